"""Case files (YAML) -> frozen :class:`~gradcheck_lab.case.Case` objects.

The only package that sees raw YAML. Its modules:

* ``files``: finding case files and reading their bytes safely;
* ``document``: bytes -> YAML -> one case or ``cases: [...]``; plain mappings (``load_mapping``);
* ``yaml_nodes``: the safe YAML reader, values that remember their lines, nesting limits;
* ``case_builder``: one case mapping -> ``Case`` (fields, inputs, points, expect, cotangent);
* ``parts``: claims, implementations, methods, tolerance; ``values``: numbers, arrays, names;
* ``shapes``: the expression evaluated at load time with every op's shape rule checked first;
* ``scope``: where an error happened (file, line, field, column in an expression);
* ``schema``: the JSON Schema of the format, generated from the loader's own lists.

Every validation message names the file, the line, the field and what would be accepted.
"""

from gradcheck_lab.loader.case_builder import CASE_FIELDS
from gradcheck_lab.loader.document import load_bytes, load_document, load_mapping
from gradcheck_lab.loader.files import SUFFIXES, discover, load_file, load_paths, read_case_file
from gradcheck_lab.loader.yaml_nodes import load_yaml

__all__ = ["CASE_FIELDS", "SUFFIXES", "discover", "load_bytes", "load_document", "load_file",
           "load_mapping", "load_paths", "load_yaml", "read_case_file"]
