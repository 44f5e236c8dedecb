"""Starting points for ``gradcheck-lab new NAME --template T``: commented case files that
load and pass as written, one per way of using gradcheck-lab.

* ``claim`` (the default): an MSE and a hand-written gradient formula put on trial;
* ``expression``: just a function, every method against its exact derivative;
* ``implementation``: your own code on trial, a custom ``torch.autograd.Function``
  (written next to the case file as ``NAME_code.py``);
* ``order2``: second derivatives too, the Hessian of Rosenbrock's function.

Every template shows the other fields as comments, implementations included.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

HEADER = """\
# A gradcheck-lab case file. Check it with:  gradcheck-lab run {file}
# Every field is described in the README ("Writing a case"); `gradcheck-lab schema`
# prints the JSON Schema your editor can use to complete and check this file.
"""
OPTIONS = """\
# methods: [sympy, fd, torch]  # default: sympy, fd, torch, jax, every claim and
#                              # implementation, and expect when given
# dtype: float32         # torch and JAX in float32 (or float16, bfloat16); default float64
# device: cuda           # torch and JAX on the GPU (cpu, cuda, cuda:N, auto); default cpu
# tolerance: {{rtol: 1.0e-7}}                      # or per method: {{torch: {{rtol: 1.0e-6}}}}
# kinks: fail            # results at non-differentiable points fail instead of 'kink'
"""
YOUR_CODE = """\
# implementations:       # your own code on trial (`--template implementation` writes one):
#   - {{name: mine, framework: torch, function: "my_module:my_loss"}}  # custom backward
#   - {{name: by_hand, framework: numpy, gradient: "my_module:my_gradient"}}
"""

CLAIM = HEADER + """\
name: {name}
description: Mean squared error of a linear model, differentiated with respect to w.
source: where the formula or the numbers come from (a paper, a tutorial, your code)
inputs:
  w: [0.5, -1.0]                                          # differentiated
  X: {{value: [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], wrt: false}}   # held constant
  y: {{value: [1.0, 0.0, 2.0], wrt: false}}
  # noise: {{random: {{shape: [3], distribution: normal, seed: 0}}, wrt: false}}
expr: mean((X @ w - y)**2)
points:                    # more points to check; each overrides the values above
  - {{w: [0.0, 0.0]}}
claims:                    # hand-written gradient formulas put on trial
  by_hand:
    w: 2 * X.T @ (X @ w - y) / 3        # the mean divides by the 3 rows of X
  # forgot_the_mean:
  #   w: 2 * X.T @ (X @ w - y)
  #   expect: fail                      # documented as wrong: reported as xfail
# expect: {{value: 14.25, grad: {{w: [-25.0, -32.0]}}}}  # numbers quoted from a source
# methods: [sympy, fd, claim:by_hand, expect]    # default: sympy, fd, torch, jax,
#                                                 # every claim, and expect when given
# cotangent: ones        # for a non-scalar output: check this vector-Jacobian product
""" + YOUR_CODE + OPTIONS.split("\n", 2)[2]

EXPRESSION = HEADER + """\
name: {name}
description: log-sum-exp, differentiated by every method and compared with its exact
  derivative (SymPy, 50 digits).
inputs:
  x: [1.0, 2.0, 3.0]
expr: logsumexp(x)       # the README's op table lists what an expression may use
points:                  # more points to check; each overrides the values above
  - {{x: [1000.0, 1000.0, -1000.0]}}   # large values: no overflow allowed
  - {{x: [0.0, 0.0, 0.0]}}
# expect: {{value: 3.40760596444438, grad: {{x: [0.0900306, 0.2447285, 0.6652410]}}}}
# claims:                # a hand-written gradient formula put on trial
#   softmax_is_the_gradient: {{x: softmax(x)}}
""" + YOUR_CODE + OPTIONS

IMPLEMENTATION = HEADER + """\
# Your own code on trial: {module}.py's `mean_softplus` uses a torch.autograd.Function
# with a hand-written backward. torch's autodiff runs that backward, and the result is
# compared, point by point, with the exact derivative of `expr`.
name: {name}
description: mean(softplus(x)) through a custom torch.autograd.Function.
inputs:
  x: [-3.0, -0.5, 0.0, 2.0, 8.0]
expr: mean(softplus(x))  # the function your code computes, as the reference
points:
  - {{x: [30.0, -30.0, 0.001, 0.5, 4.0]}}   # far tails: no overflow, no lost digits
implementations:
  - {{name: mine, framework: torch, function: "{module}:mean_softplus"}}
  # - {{name: mine_jax, framework: jax, function: "my_jax_module:mean_softplus"}}
  # - {{name: by_hand, framework: numpy, gradient: "{module}:mean_softplus_gradient"}}
  #     (a hand-written gradient: called with numpy arrays, returns the gradient)
  # expect: fail         # on an implementation: known to be wrong, reported as xfail
""" + OPTIONS

IMPLEMENTATION_CODE = '''\
"""Code put on trial by the case {name} (from `gradcheck-lab new --template implementation`).

Replace it with your own: `function` in the case file names a forward function,
called with every input as a keyword argument (a tensor in the case's dtype).
"""

import numpy as np
import torch


class Softplus(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return torch.logaddexp(x, torch.zeros_like(x))

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * torch.sigmoid(x)  # d softplus / dx = sigmoid(x)


def mean_softplus(x):
    return Softplus.apply(x).mean()


def mean_softplus_gradient(x):
    """The gradient of mean(softplus(x)) by hand, for `framework: numpy`."""
    return 1.0 / (1.0 + np.exp(-x)) / x.size
'''

ORDER2 = HEADER + """\
name: {name}
description: Rosenbrock's function; `order 2` checks its Hessian as well as its gradient.
source: H. H. Rosenbrock, The Computer Journal 3 (1960); Hessian at (0.5, -0.3) is
  [[422, -200], [-200, 200]]
inputs:
  p: [0.5, -0.3]
expr: (1 - p[0])**2 + 100 * (p[1] - p[0]**2)**2
order: 2                 # sympy, fd, torch (double backward), jax (jacrev of grad)
points:
  - {{p: [1.0, 1.0]}}      # the minimum: gradient 0, Hessian [[802, -400], [-400, 200]]
expect: {{value: 30.5, grad: {{p: [109.0, -110.0]}}}}   # at (0.5, -0.3), by hand
# methods: [sympy, fd, torch, torch_forward, jax, jax_forward, expect]  # forward modes too
""" + YOUR_CODE + OPTIONS


@dataclass(frozen=True)
class Template:
    """A case file's text (``{name}``, ``{file}``, ``{module}`` filled in) and, for
    ``implementation``, the Python module it names."""

    case: str
    code: str | None = None
    doc: str = ""


TEMPLATES: dict[str, Template] = {
    "claim": Template(CLAIM, doc="an MSE and a hand-written gradient formula (default)"),
    "expression": Template(EXPRESSION, doc="a function, every method against its exact "
                                           "derivative"),
    "implementation": Template(IMPLEMENTATION, IMPLEMENTATION_CODE,
                               doc="your code on trial: a custom torch.autograd.Function, "
                                   "written next to the case file as NAME_code.py"),
    "order2": Template(ORDER2, doc="second derivatives: the Hessian of Rosenbrock's function"),
}


def module_name(name: str) -> str:
    """The Python module an ``implementation`` template writes for case ``name``."""
    stem = re.sub(r"\W", "_", name)
    return ("case_" + stem if stem[0].isdigit() else stem) + "_code"


def starter_case(name: str, file: str, schema_ref: str | None = None,
                 template: str = "claim") -> str:
    """The case file ``gradcheck-lab new NAME`` writes: commented, loads and passes."""
    head = f"# yaml-language-server: $schema={schema_ref}\n" if schema_ref else ""
    return head + TEMPLATES[template].case.format(name=name, file=file,
                                                  module=module_name(name))


def starter_code(name: str, template: str) -> str | None:
    """The Python module the template names, or None."""
    code = TEMPLATES[template].code
    return None if code is None else code.format(name=name)
