"""The exact reference from the user's own code: its forward traced into the graph."""
