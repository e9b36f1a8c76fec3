"""Strict AST whitelist for conditions and simple assignment scripts, evaluated in-process.

Gateway conditions, timer expressions, service-task parameters and DMN cells must pass
`check_expression`: names (no leading underscore), constants, comparisons, boolean logic,
arithmetic (no shifts; `**` only with a small constant exponent), subscripts/slices,
container literals, conditional expressions, calls to a short list of builtins and of
harmless methods (`get`, `lower`, ...). No attribute is readable except as such a method
call, so no dunder, frame, generator or `format` route exists. Every binary operation goes
through `_ow_arith`, which refuses results that would be huge (sequence repetition,
big powers), so evaluation is bounded by the size of the data: no process isolation needed.

Scripts made only of assignments/deletions/`if` over such expressions ("simple scripts",
e.g. a post-script copying `approved` to `tax_approved`) pass the same whitelist.

The whitelist refuses what is unsafe, but not everything it allows is cheap: a pass-listed
`sum([[0] * 100000] * 1000, [])` builds 10^8 items. So only *linear* expressions and simple
scripts run in the server's own process (`runs_in_process`): names, constants, comparisons,
boolean logic, subscripts, literals, arithmetic on numbers only, and calls that return at
most what they were given (`len`, `get`, `lower`, ...). Their cost is bounded by the size of
the expression times the size of the task data, and they allocate nothing bigger than that.
Everything else is evaluated by the sandbox worker process under its memory, CPU and
wall-clock limits (`sandbox.py`); `evaluate_in_process` raises `NeedsIsolation` when a value
turns out not to be a number at run time, and the caller hands the expression over.
"""

from __future__ import annotations

import ast
import math
import operator
import warnings
from functools import lru_cache

MAX_CONSTANT_STR = 10_000
MAX_SEQUENCE_RESULT = 100_000
MAX_INT_BITS = 4_096
MAX_POW_EXPONENT = 64

SAFE_BUILTINS = {
    "len": len,
    "min": min,
    "max": max,
    "abs": abs,
    "round": round,
    "int": int,
    "float": float,
    "str": str,
    "bool": bool,
    "sum": sum,
    "any": any,
    "all": all,
    "sorted": sorted,
    "list": list,
    "dict": dict,
    "True": True,
    "False": False,
    "None": None,
}
SAFE_METHODS = frozenset(
    {
        "get",
        "keys",
        "values",
        "items",
        "lower",
        "upper",
        "strip",
        "lstrip",
        "rstrip",
        "startswith",
        "endswith",
        "count",
        "isdigit",
        "split",
    }
)

_BINOPS = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}
_ALLOWED_NODES = (
    ast.Expression,
    ast.BoolOp,
    ast.And,
    ast.Or,
    ast.UnaryOp,
    ast.Not,
    ast.USub,
    ast.UAdd,
    ast.BinOp,
    ast.Compare,
    ast.Eq,
    ast.NotEq,
    ast.Lt,
    ast.LtE,
    ast.Gt,
    ast.GtE,
    ast.In,
    ast.NotIn,
    ast.Is,
    ast.IsNot,
    ast.Name,
    ast.Load,
    ast.Constant,
    ast.Subscript,
    ast.Slice,
    ast.Tuple,
    ast.List,
    ast.Dict,
    ast.IfExp,
    ast.Call,
    ast.Attribute,
    *_BINOPS.keys(),
)
_STATEMENT_NODES = (
    ast.Module,
    ast.Assign,
    ast.AugAssign,
    ast.Delete,
    ast.If,
    ast.Pass,
    ast.Store,
    ast.Del,
)


class ExpressionRefused(ValueError):
    """The expression or script uses something outside the whitelist."""


class NeedsIsolation(Exception):
    """The expression may cost more than linear time or memory: run it in the worker."""


# What may run in the server's process: nothing here returns more than it was given.
IN_PROCESS_BUILTINS = frozenset(
    {"len", "bool", "int", "float", "abs", "min", "max", "any", "all", "True", "False", "None"}
)
IN_PROCESS_METHODS = frozenset(
    {
        "get",
        "keys",
        "values",
        "items",
        "lower",
        "upper",
        "strip",
        "lstrip",
        "rstrip",
        "startswith",
        "endswith",
        "isdigit",
    }
)
# Every node the whitelist allows may run in-process: what sends an expression to the worker is
# what it calls (IN_PROCESS_BUILTINS / IN_PROCESS_METHODS) and non-numeric arithmetic.
_IN_PROCESS_NODES = _ALLOWED_NODES + _STATEMENT_NODES


def _arith(op_name: str, left, right):
    """Apply a binary operator, refusing results that would be unreasonably large."""
    if op_name == "Mult":
        for seq, count in ((left, right), (right, left)):
            if isinstance(seq, (str, list, tuple, bytes)) and isinstance(count, int):
                if len(seq) * max(count, 0) > MAX_SEQUENCE_RESULT:
                    raise ExpressionRefused("sequence repetition too large")
    if op_name == "Pow" and isinstance(left, int) and isinstance(right, int):
        if abs(left) > 1 and right > 0 and right * math.log2(abs(left)) > MAX_INT_BITS:
            raise ExpressionRefused("power too large")
    if op_name == "Mult" and isinstance(left, int) and isinstance(right, int):
        if left.bit_length() + right.bit_length() > MAX_INT_BITS:
            raise ExpressionRefused("product too large")
    if op_name == "Add" and isinstance(left, (str, list, tuple)) and isinstance(right, type(left)):
        if len(left) + len(right) > MAX_SEQUENCE_RESULT:
            raise ExpressionRefused("concatenation too large")
    return _BINOPS[getattr(ast, op_name)](left, right)


def _check_node(node: ast.AST, allow_statements: bool) -> None:
    allowed = _ALLOWED_NODES + (_STATEMENT_NODES if allow_statements else ())
    for child in ast.walk(node):
        if not isinstance(child, allowed):
            raise ExpressionRefused(f"{type(child).__name__} is not allowed")
        if isinstance(child, ast.Name) and child.id.startswith("_"):
            raise ExpressionRefused(f"name {child.id!r} is not allowed")
        if isinstance(child, ast.Constant):
            if isinstance(child.value, (str, bytes)) and len(child.value) > MAX_CONSTANT_STR:
                raise ExpressionRefused("string constant too long")
            if isinstance(child.value, bytes):
                raise ExpressionRefused("bytes constants are not allowed")
        if isinstance(child, ast.Call):
            _check_call(child)
        if isinstance(child, ast.BinOp) and isinstance(child.op, ast.Pow):
            exp = child.right
            if not (
                isinstance(exp, ast.Constant)
                and isinstance(exp.value, (int, float))
                and abs(exp.value) <= MAX_POW_EXPONENT
            ):
                raise ExpressionRefused("** needs a small constant exponent")
        if isinstance(child, (ast.Assign, ast.AugAssign, ast.Delete)):
            targets = (
                child.targets if isinstance(child, (ast.Assign, ast.Delete)) else [child.target]
            )
            for target in targets:
                _check_target(target)
    # attributes may only appear as the callee of a whitelisted method call (checked above)
    for child in ast.walk(node):
        for field_name, value in ast.iter_fields(child):
            if isinstance(value, ast.Attribute) and not (
                isinstance(child, ast.Call) and field_name == "func"
            ):
                raise ExpressionRefused("attribute access is not allowed")


def _check_call(call: ast.Call) -> None:
    if call.keywords or any(isinstance(a, ast.Starred) for a in call.args):
        raise ExpressionRefused("keyword or starred arguments are not allowed")
    func = call.func
    if isinstance(func, ast.Name):
        if func.id not in SAFE_BUILTINS:
            raise ExpressionRefused(f"call to {func.id!r} is not allowed")
    elif isinstance(func, ast.Attribute):
        if func.attr not in SAFE_METHODS:
            raise ExpressionRefused(f"method {func.attr!r} is not allowed")
        _check_node_value(func.value)
    else:
        raise ExpressionRefused("only simple calls are allowed")


def _check_node_value(node: ast.AST) -> None:
    if isinstance(node, ast.Attribute):
        raise ExpressionRefused("attribute access is not allowed")


def _check_target(target: ast.AST) -> None:
    if isinstance(target, ast.Name):
        if target.id.startswith("_") or target.id in SAFE_BUILTINS:
            raise ExpressionRefused(f"cannot assign {target.id!r}")
    elif isinstance(target, ast.Subscript):
        _check_target(target.value) if isinstance(target.value, ast.Subscript) else None
        if not isinstance(target.value, (ast.Name, ast.Subscript)):
            raise ExpressionRefused("unsupported assignment target")
    else:
        raise ExpressionRefused("unsupported assignment target")


class _ArithRewriter(ast.NodeTransformer):
    """Turn `a <op> b` into `_ow_arith('<Op>', a, b)` (also for augmented assignment)."""

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        self.generic_visit(node)
        return ast.copy_location(
            ast.Call(
                func=ast.Name("_ow_arith", ast.Load()),
                args=[ast.Constant(type(node.op).__name__), node.left, node.right],
                keywords=[],
            ),
            node,
        )

    def visit_AugAssign(self, node: ast.AugAssign) -> ast.AST:
        self.generic_visit(node)
        load_target = _as_load(node.target)
        value = ast.Call(
            func=ast.Name("_ow_arith", ast.Load()),
            args=[ast.Constant(type(node.op).__name__), load_target, node.value],
            keywords=[],
        )
        return ast.copy_location(ast.Assign(targets=[node.target], value=value), node)


def _as_load(target: ast.AST) -> ast.AST:
    clone = ast.parse(ast.unparse(target), mode="eval").body
    return clone


@lru_cache(maxsize=4096)
def compile_expression(expression: str):
    """Check an expression against the whitelist and compile it (cached by text)."""
    try:
        tree = ast.parse(expression.strip(), mode="eval")
    except SyntaxError as exc:
        raise ExpressionRefused(f"syntax error: {exc.msg}") from None
    _check_node(tree, allow_statements=False)
    tree = ast.fix_missing_locations(_ArithRewriter().visit(tree))
    return _quiet_compile(tree, "<condition>", "eval")


@lru_cache(maxsize=1024)
def compile_simple_script(script: str):
    """Compile a script made only of whitelisted statements; ExpressionRefused otherwise."""
    try:
        tree = ast.parse(script, mode="exec")
    except SyntaxError as exc:
        raise ExpressionRefused(f"syntax error: {exc.msg}") from None
    _check_node(tree, allow_statements=True)
    tree = ast.fix_missing_locations(_ArithRewriter().visit(tree))
    return _quiet_compile(tree, "<script>", "exec")


def _quiet_compile(tree, name: str, mode: str):
    """compile() without Python's SyntaxWarnings on a diagram's text (e.g. "tuple indices
    must be integers"): they went to the server's stderr, where no author reads them; what
    such an expression does wrong is reported when it runs, on the case."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SyntaxWarning)
        return compile(tree, name, mode)


def check_expression(expression: str) -> str | None:
    """Return None when the expression is acceptable, else the reason it is refused."""
    try:
        compile_expression(expression)
    except ExpressionRefused as exc:
        return str(exc)
    return None


def is_simple_script(script: str) -> bool:
    """True when the script can run in-process (assignments over whitelisted expressions)."""
    try:
        compile_simple_script(script)
    except ExpressionRefused:
        return False
    return True


@lru_cache(maxsize=4096)
def _is_linear(text: str, mode: str) -> bool:
    try:
        tree = ast.parse(text.strip() if mode == "eval" else text, mode=mode)
    except SyntaxError:
        return False
    for node in ast.walk(tree):
        if not isinstance(node, _IN_PROCESS_NODES):
            return False
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id not in IN_PROCESS_BUILTINS:
                return False
            if isinstance(func, ast.Attribute) and func.attr not in IN_PROCESS_METHODS:
                return False
        # a script run in-process only rebinds names, so handing it over half-way is safe
        if isinstance(node, (ast.Assign, ast.Delete)):
            if not all(isinstance(t, ast.Name) for t in node.targets):
                return False
        if isinstance(node, ast.AugAssign) and not isinstance(node.target, ast.Name):
            return False
    return True


def runs_in_process(text: str, *, script: bool = False) -> bool:
    """True when the expression (or simple script) is linear and may run in-process."""
    return _is_linear(text, "exec" if script else "eval")


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, complex)


def _numeric_arith(op_name: str, left, right):
    """`_arith` for in-process runs: numbers only (a sequence result may be huge)."""
    if not (_is_number(left) and _is_number(right)):
        raise NeedsIsolation(f"{op_name} on {type(left).__name__} and {type(right).__name__}")
    return _arith(op_name, left, right)


def _in_process_namespace(data: dict, extra: dict | None) -> dict:
    namespace = _namespace(data, extra)
    namespace["_ow_arith"] = _numeric_arith
    return namespace


def evaluate_in_process(expression: str, data: dict, extra: dict | None = None):
    """Evaluate a linear expression here; NeedsIsolation when it is not (see module doc)."""
    if not runs_in_process(expression):
        raise NeedsIsolation("not a linear expression")
    code = compile_expression(expression)
    return eval(code, _in_process_namespace(data, extra))  # noqa: S307 - whitelisted AST


def run_script_in_process(script: str, data: dict) -> dict:
    """Run a linear simple script here and return the new data; NeedsIsolation otherwise
    (the input is not modified: such a script only rebinds names)."""
    if not runs_in_process(script, script=True):
        raise NeedsIsolation("not a linear script")
    code = compile_simple_script(script)
    namespace = _in_process_namespace(data, None)
    exec(code, namespace)  # noqa: S102 - whitelisted AST, no builtins
    return {k: v for k, v in namespace.items() if k not in ("__builtins__", "_ow_arith")}


def _namespace(data: dict, extra: dict | None) -> dict:
    namespace = {"__builtins__": SAFE_BUILTINS}
    namespace.update(data)
    if extra:
        namespace.update(extra)
    namespace["__builtins__"] = SAFE_BUILTINS
    namespace["_ow_arith"] = _arith
    return namespace


def evaluate_expression(expression: str, data: dict, extra: dict | None = None):
    """Evaluate a whitelisted expression against the task data (raises on refusal/error)."""
    code = compile_expression(expression)
    return eval(code, _namespace(data, extra))  # noqa: S307 - whitelisted AST, no builtins


def run_simple_script(script: str, data: dict) -> dict:
    """Run a simple script and return the new data (the input dict is not modified)."""
    code = compile_simple_script(script)
    namespace = _namespace(data, None)
    exec(code, namespace)  # noqa: S102 - whitelisted AST, no builtins
    return {k: v for k, v in namespace.items() if k not in ("__builtins__", "_ow_arith")}
