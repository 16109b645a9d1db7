"""The one pass over a file's syntax tree that applies every rule and records the report.

The rules live in their own modules (imports, renames, shapes, placeholders, findings);
this class walks the tree once, tracks what each local name means (``tf`` ->
``flaxscope.compat.v1``, ``rnn`` -> ``tf.nn.rnn_cell``), dispatches each node to its rule
and records every change (line, before, after) and every finding.
"""

from __future__ import annotations

import libcst as cst

from flaxscope.upgrade import _cst as c
from flaxscope.upgrade import findings as f
from flaxscope.upgrade import imports, placeholders, renames, shapes, variables
from flaxscope.upgrade.namespace import Namespace
from flaxscope.upgrade.positions import locate
from flaxscope.upgrade.report import Change, FileReport, Finding

_EMPTY = cst.Module([])


class Upgrader(cst.CSTTransformer):
    """Run it with :meth:`run`; changes and findings go to ``report`` with their lines."""

    def __init__(self, ns: Namespace, report: FileReport) -> None:
        super().__init__()
        self.ns = ns
        self.report = report
        # local name -> (TF1 path it meant, flaxscope path it means now or None if left)
        self.aliases: dict[str, tuple[str, str | None]] = {}
        self.root: str | None = None  # the local name of flaxscope.compat.v1
        self.need_root_import = False
        self._chains: set[int] = set()
        self._call_funcs: set[int] = set()
        self._attr_names: set[int] = set()
        self._bare_shapes: set[int] = set()
        self._quiet: set[int] = set()
        self._frames: list[placeholders.Frame] = []
        self._pending_placeholders: dict[int, cst.Call] = {}
        self._uses: dict[str, int] = {}  # uses of names whose import stays TensorFlow's
        self._converted: dict[str, int] = {}  # ... and those of them converted away
        self._alias_nodes: dict[str, cst.CSTNode] = {}
        self._chain_changes: dict[int, Change] = {}
        self._variables: list[set[str]] = [set()]  # names holding a variable, per function
        self._tensors: list[dict[str, str]] = [{}]  # names holding an op's output -> op path
        self.fs_name: str | None = None  # the local name of `import flaxscope`
        self.need_fs_import = False
        self._var_functions: set[str] = set()
        self.imports_tensorflow = False  # the file imports TensorFlow (not only flaxscope)
        self._dropped: set[int] = set()  # ids of changes undone (a call rule gave up)
        self._lazy_optimizers: list[tuple[cst.CSTNode, str]] = []
        self._reads_embedding = False

    # --- bookkeeping -------------------------------------------------------------
    def run(self, module: cst.Module) -> cst.Module:
        """The converted module; the report gets every change and finding, in order."""
        self._pending: list[tuple[cst.CSTNode, Change | Finding]] = []
        new = module.visit(self)
        if self._reads_embedding:
            for node, path in self._lazy_optimizers:
                self.finding(node, f.SPARSE_UPDATE, path=path)
        where = locate(module, [node for node, _ in self._pending])
        seen = set()
        for node, entry in self._pending:
            if id(entry) in self._dropped:
                continue
            line, col = where.get(id(node), (0, 0))
            if isinstance(entry, Change):
                self.report.changes.append(
                    Change(line, col, entry.rule, entry.before, entry.after))
                continue
            key = (line, entry.kind, entry.message)
            if key not in seen:
                seen.add(key)
                self.report.findings.append(
                    Finding(line, col, entry.kind, entry.message, entry.section))
        return new

    def change(self, original: cst.CSTNode, new: cst.CSTNode | str, rule: str,
               before: str | None = None) -> Change:
        after = new if isinstance(new, str) else _EMPTY.code_for_node(new)
        entry = Change(0, 0, rule, _EMPTY.code_for_node(original) if before is None else before,
                       after)
        self._pending.append((original, entry))
        return entry

    def finding(self, node: cst.CSTNode, rule: f.Rule, **fmt: str) -> Finding:
        entry = Finding(0, 0, rule.kind, rule.message.format(**fmt), rule.section)
        self._pending.append((node, entry))
        return entry

    def bind(self, local: str, tf_path: str, new_path: str | None,
             node: cst.CSTNode | None = None) -> None:
        self.aliases[local] = (tf_path, new_path)
        if node is not None:
            self._alias_nodes[local] = node
        if tf_path == "" and new_path == "" and self.root is None:
            self.root = local

    def unconverted(self, node: cst.CSTNode, path: str, entry: renames.Rename | None,
                    reason: str | None) -> Finding:
        if reason is not None and not path.startswith("contrib"):
            return self.finding(node, f.MISSING, message=reason)
        if reason is not None:  # a tf.contrib name whose TF1 core name flaxscope lacks
            return self.finding(node, f.NO_EQUIVALENT, path=path, note=f" ({reason})")
        note = f": {entry.note}" if entry is not None and entry.note else ""
        return self.finding(node, f.NO_EQUIVALENT, path=path, note=note)

    def not_converted(self, node: cst.CSTNode, path: str, note: str) -> None:
        self.finding(node, f.NOT_CONVERTED, path=path, note=note)

    def render(self, path: str, hint: str | None = None) -> cst.BaseExpression:
        """The expression for ``tf.<path>``: through ``hint``'s alias when it covers
        ``path``, else through the file's ``flaxscope.compat.v1`` name."""
        return c.chain(self.render_text(path, hint))

    def render_text(self, path: str, hint: str | None = None) -> str:
        """:meth:`render`'s expression as dotted text."""
        if hint is not None and hint in self.aliases:
            out = self.aliases[hint][1]
            if out is not None and (out == "" or path == out or path.startswith(out + ".")):
                rest = path[len(out):].lstrip(".") if out else path
                return f"{hint}.{rest}" if rest else hint
        if self.root is None:
            self.need_root_import = True
            root = "tf"
        else:
            root = self.root
        return f"{root}.{path}" if path else root

    def tf_path(self, node: cst.CSTNode) -> tuple[str, str] | None:
        """``(TF1 path, root name)`` of a name or attribute chain rooted at a TF alias."""
        name = c.dotted(node)
        if name is None:
            return None
        root, _, rest = name.partition(".")
        if root not in self.aliases:
            return None
        base = self.aliases[root][0]
        return imports.strip_compat(f"{base}.{rest}" if base and rest else base or rest), root

    # --- imports -----------------------------------------------------------------
    def _small(self, stmt: cst.BaseSmallStatement) -> list[cst.BaseSmallStatement] | None:
        if isinstance(stmt, cst.Import):
            for alias in stmt.names:
                if c.module_path(alias) == "flaxscope" and self.fs_name is None:
                    self.fs_name = alias.asname.name.value if alias.asname else "flaxscope"  # type: ignore[union-attr]
        if isinstance(stmt, cst.Import | cst.ImportFrom):
            converted = imports.convert(stmt, self)
            if converted is not None or any(
                    new is None for _, new in self.aliases.values()):
                self.imports_tensorflow = True
            return converted
        return None

    def render_name_of(self) -> cst.BaseExpression:
        if self.fs_name is None:
            self.need_fs_import = True
            return c.chain("fs.name_of")
        return c.chain(f"{self.fs_name}.name_of")

    # --- variables ---------------------------------------------------------------------
    def _creator(self, func: cst.CSTNode) -> str | None:
        """``"get_variable"``/``"Variable"`` for TF's creators, and for the file's own
        functions that return what one made (``def foo(): ... return v``)."""
        found = self.tf_path(func)
        if found is not None:
            return found[0]
        if isinstance(func, cst.Name) and func.value in self._var_functions:
            return "Variable"
        return None

    def visit_Return(self, node: cst.Return) -> None:
        if (self._frames and isinstance(node.value, cst.Name)
                and node.value.value in self._variables[-1]):
            self._var_functions.add(self._frames[-1].node.name.value)

    def visit_Assign(self, node: cst.Assign) -> None:
        names, is_var = variables.bound_variable(node, self._creator)
        known = self._variables[-1]
        known.difference_update(names)
        tensors = self._tensors[-1]
        for name in names:
            tensors.pop(name, None)
        if is_var:
            known.update(names)
        elif len(names) == 1 and len(node.targets) == 1 and isinstance(node.value, cst.Call):
            found = self.tf_path(node.value.func)
            if found is not None and self.ns.is_op(renames.renamed(found[0])[0] or ""):
                tensors[names[0]] = renames.renamed(found[0])[0] or found[0]

    def visit_Import(self, node: cst.Import) -> bool:
        return False  # module names are not uses

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        return False

    # --- functions (placeholders) ------------------------------------------------
    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._variables.append(set())
        self._tensors.append({})
        self._frames.append(placeholders.Frame(node))

    def leave_FunctionDef(self, original: cst.FunctionDef,
                          updated: cst.FunctionDef) -> cst.FunctionDef:
        self._variables.pop()
        self._tensors.pop()
        frame = self._frames.pop()
        if not frame.moved:
            return updated
        if frame.driver:  # it runs a Session, which feeds its placeholders: they stay
            for moved in frame.moved:
                self._dropped.update(moved.entries)
                self._pending_placeholders[id(moved.call)] = moved.call
            return updated.with_changes(body=placeholders.resolve_markers(
                updated.body, frame, keep=True))
        body = placeholders.resolve_markers(updated.body, frame, keep=False)
        new = placeholders.add_params(updated.with_changes(body=body),
                                      [m.name for m in frame.moved])
        self.change(original.name,
                    f"def {original.name.value}({_EMPTY.code_for_node(new.params)}):",
                    "placeholder -> argument",
                    before=f"def {original.name.value}({_EMPTY.code_for_node(original.params)}):")
        return new

    def _enter_block(self, node: cst.CSTNode) -> None:
        if self._frames:
            self._frames[-1].depth += 1

    def _leave_block(self) -> None:
        if self._frames:
            self._frames[-1].depth -= 1

    def visit_For(self, node: cst.For) -> None:
        self._enter_block(node)

    def leave_For(self, original: cst.For, updated: cst.For) -> cst.For:
        self._leave_block()
        return updated

    def visit_While(self, node: cst.While) -> None:
        self._enter_block(node)

    def leave_While(self, original: cst.While, updated: cst.While) -> cst.While:
        self._leave_block()
        return updated

    def visit_If(self, node: cst.If) -> None:
        self._enter_block(node)

    def leave_If(self, original: cst.If, updated: cst.If) -> cst.If:
        self._leave_block()
        return updated

    def visit_Try(self, node: cst.Try) -> None:
        self._enter_block(node)

    def leave_Try(self, original: cst.Try, updated: cst.Try) -> cst.Try:
        self._leave_block()
        return updated

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self._enter_block(node)

    def leave_ClassDef(self, original: cst.ClassDef, updated: cst.ClassDef) -> cst.ClassDef:
        self._leave_block()
        return updated

    def leave_IndentedBlock(self, original: cst.IndentedBlock,
                            updated: cst.IndentedBlock) -> cst.IndentedBlock:
        if not updated.body:
            updated = updated.with_changes(body=[cst.SimpleStatementLine([cst.Pass()])])
        return updated

    def _placeholder(self, original: cst.SimpleStatementLine,
                     updated: cst.SimpleStatementLine) -> cst.SimpleStatementLine | None:
        found = placeholders.assigned_placeholder(original)
        if found is None:
            return None
        name, call = found
        path = self.tf_path(call.func)
        if path is None or path[0] != "placeholder" or not self._frames:
            return None
        frame = self._frames[-1]
        if frame.depth or name in placeholders.params_of(frame.node):
            return None
        if name in (m.name for m in frame.moved):
            return None
        code = _EMPTY.code_for_node(call)
        fn = frame.node.name.value
        comment = placeholders.comment_text(name, fn, code)
        marker = updated.with_changes(body=[cst.Pass()])
        self._pending_placeholders.pop(id(call), None)
        entries = {
            id(self.change(original, comment, "placeholder -> argument")),
            id(self.finding(original, f.PLACEHOLDER_MOVED, name=name, function=fn,
                            call=" ".join(code.split()))),
        }
        frame.moved.append(placeholders.Moved(name, call, updated, marker, comment, entries))
        return marker

    # --- statements ----------------------------------------------------------------
    def leave_SimpleStatementLine(
        self, original: cst.SimpleStatementLine, updated: cst.SimpleStatementLine
    ) -> cst.SimpleStatementLine | cst.FlattenSentinel | cst.RemovalSentinel:
        moved = self._placeholder(original, updated)
        if moved is not None:
            return moved
        body: list[cst.BaseSmallStatement] = []
        changed = False
        for old, new in zip(original.body, updated.body, strict=True):
            converted = self._small(old)
            if converted is not None:
                body.extend(converted)
                changed = True
                self.change(old, "; ".join(_EMPTY.code_for_node(s) for s in converted),
                            "import")
                continue
            if isinstance(new, cst.Expr) and isinstance(new.value, cst.Call):
                path = self.tf_path(old.value.func) if isinstance(old, cst.Expr) and isinstance(
                    old.value, cst.Call) else None
                if path is not None and path[0] in renames.MODE_SWITCHES:
                    self.change(old, "(removed: flaxscope has no TF execution modes)",
                                "mode switch removed")
                    changed = True
                    continue
                assign = shapes.set_shape(new, lambda: self.render(shapes.SET_SHAPE_TARGET))
                if assign is False:
                    self.finding(old, f.SET_SHAPE)
                elif assign is not None:
                    self.change(old, assign, "set_shape")  # type: ignore[arg-type]
                    body.append(assign)  # type: ignore[arg-type]
                    changed = True
                    continue
            body.append(new)
        if not changed:
            return updated
        if not body:
            return cst.RemovalSentinel.REMOVE
        if all(isinstance(s, cst.Import | cst.ImportFrom) for s in body) and len(body) > 1:
            lines = [updated.with_changes(body=[s.with_changes(semicolon=cst.MaybeSentinel.DEFAULT)],
                                          leading_lines=updated.leading_lines if i == 0 else [])
                     for i, s in enumerate(body)]
            return cst.FlattenSentinel(lines)
        body = [s.with_changes(semicolon=cst.MaybeSentinel.DEFAULT) for s in body]
        return updated.with_changes(body=body)

    # --- names -------------------------------------------------------------------------
    def visit_Attribute(self, node: cst.Attribute) -> bool:
        if self.tf_path(node) is not None:
            self._chains.add(id(node))
            return False
        self._attr_names.add(id(node.attr))
        inner = shapes.consumes_shape(node)
        if inner is not None:
            self._bare_shapes.add(id(inner))
        if node.attr.value == "value" and isinstance(node.value, cst.Subscript):
            self._quiet.add(id(node.value))
        return True

    def visit_Subscript(self, node: cst.Subscript) -> None:
        inner = shapes.consumes_shape(node)
        if inner is not None:
            self._bare_shapes.add(id(inner))

    def visit_Name(self, node: cst.Name) -> None:
        if id(node) in self._attr_names:
            return
        entry = self.aliases.get(node.value)
        if entry is not None and entry[1] is None:
            self._uses[node.value] = self._uses.get(node.value, 0) + 1

    def leave_Attribute(self, original: cst.Attribute,
                        updated: cst.Attribute) -> cst.BaseExpression:
        if id(original) in self._chains:
            return self._chain(original, updated)
        value = original.value
        if (isinstance(value, cst.Name) and value.value in self._tensors[-1]
                and original.attr.value in f.TENSOR_ONLY):
            self.finding(original, f.TENSOR_ATTRIBUTE, expr=_EMPTY.code_for_node(original),
                         path=self._tensors[-1][value.value], attr=original.attr.value)
        new = variables.name_attribute(updated, self._variables[-1], self.render_name_of)
        if new is not None:
            self.change(original, new, "variable value")
            return new
        new = shapes.attribute(updated)
        if new is None:
            return updated
        if id(original) not in self._quiet:
            self.change(original, new, "shape method")
        return new

    def leave_Subscript(self, original: cst.Subscript,
                        updated: cst.Subscript) -> cst.BaseExpression:
        if id(original) not in self._quiet and shapes.is_get_shape(original.value):
            self.change(original, updated, "shape method")
        return updated

    def _chain(self, original: cst.Attribute, updated: cst.Attribute) -> cst.BaseExpression:
        path, root = self.tf_path(original)  # type: ignore[misc]
        if self.aliases[root][1] is None:
            self._uses[root] = self._uses.get(root, 0) + 1
        kept = imports.kept_contrib(self.ns, path)
        new, entry = (path, None) if kept else renames.renamed(path)
        if new is None or (entry is None and path.startswith("contrib") and not kept):
            self.unconverted(original, path, entry, None)
            return updated
        if entry is not None and entry.args is not None and new != path and (
                id(original) not in self._call_funcs):
            # a rewrite that needs the call's arguments, on a name used without a call
            self.not_converted(original, path, "used without a call (passed as a value): "
                               "convert by hand")
            return updated
        missing = self.ns.missing(new)
        if missing is not None and path.startswith("contrib"):
            self.unconverted(original, path, entry, missing)
            return updated
        text = self.render_text(new, hint=root)
        expr: cst.BaseExpression = updated
        if text != c.dotted(original):  # (same text: the original, layout and all, stays)
            expr = c.chain(text).with_changes(lpar=updated.lpar, rpar=updated.rpar)
            rule = "tf.contrib" if path.startswith("contrib") else (
                "renamed" if new != path else "import alias")
            self._chain_changes[id(original)] = self.change(original, expr, rule)
            if self.aliases[root][1] is None:
                self._uses[root] -= 1
                self._converted[root] = self._converted.get(root, 0) + 1
        if missing is not None and f.call_rule(new) is None:  # a call rule says more
            self.finding(original, f.MISSING, message=missing)
        return expr

    # --- calls -----------------------------------------------------------------------
    def visit_Call(self, node: cst.Call) -> None:
        self._call_funcs.add(id(node.func))
        inner = shapes.consumes_shape(node)
        if inner is not None:
            self._bare_shapes.add(id(inner))

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        if shapes.is_get_shape(original):
            bare = id(original) in self._bare_shapes
            new = shapes.get_shape(updated, bare, lambda: self.render(shapes.TENSOR_SHAPE))
            if not bare:
                self.change(original, new, "shape method")
            return new
        new_var = variables.method_call(updated, self._variables[-1], self.render)
        if new_var is not None:
            self.change(original, new_var, "variable value")
            return new_var
        new_call = shapes.call(updated)
        if new_call is not None:
            self.change(original, new_call, "shape method")
            return new_call
        if (isinstance(original.func, cst.Name) and original.func.value == "len"
                and len(original.args) == 1 and shapes.is_get_shape(original.args[0].value)):
            self.change(original, updated, "shape method")
            return updated
        self._method_findings(original)
        found = self.tf_path(original.func)
        if found is None:
            return updated
        path, root = found
        if path in f.SPARSE_LAZY_OPTIMIZERS:
            self._lazy_optimizers.append((original, path))
        self._reads_embedding |= path in f.EMBEDDING_READS
        rule = f.call_rule(path) or f.call_rule(renames.renamed(path)[0] or path)
        if rule is f.CALLS["Session"] and self._frames:
            self._frames[-1].driver = True
        if rule is not None:
            if rule is f.CALLS["placeholder"]:
                self._pending_placeholders[id(original)] = original
            else:
                self.finding(original, rule)
        hit = None if imports.kept_contrib(self.ns, path) else renames.lookup(path)
        if hit is None or hit[1].args is None or hit[0] != path:
            return updated
        entry = hit[1]
        if entry.new is not None and self.ns.missing(entry.new) is not None and path.startswith(
                "contrib"):
            return updated
        result, note = entry.args(updated, _Hinted(self, root))  # type: ignore[misc]
        if result is None:
            self.finding(original, f.NOT_CONVERTED, path=path, note=note or "")
            renamed = self._chain_changes.pop(id(original.func), None)
            if renamed is not None:
                self._dropped.add(id(renamed))
            return updated.with_changes(func=original.func)
        if note and note.startswith(renames.CHECK):
            self.finding(original, f.CHECK, path=path, note=note[len(renames.CHECK):])
            note = None
        if _EMPTY.code_for_node(result) != _EMPTY.code_for_node(updated):
            self.change(original, result, "arguments" + (f": {note}" if note else ""))
            renamed = self._chain_changes.pop(id(original.func), None)
            if renamed is not None:  # the call's change says it all
                self._dropped.add(id(renamed))
        elif note:
            self.change(original, result, f"renamed: {note}")
        return result

    def _method_findings(self, node: cst.Call) -> None:
        if not self.imports_tensorflow:
            return  # sess.run/minimize/feed_dict of a file not on TensorFlow: not TF's
        func = node.func
        if any(a.keyword is not None and a.keyword.value == "feed_dict" for a in node.args):
            self.finding(node, f.FEED_DICT)
        if not isinstance(func, cst.Attribute):
            return
        rule = f.METHODS.get(func.attr.value)
        if rule is not None and self.tf_path(func) is None:
            self.finding(node, rule)
        if func.attr.value == "run" and node.args and node.args[0].keyword is None:
            receiver = c.dotted(func.value) or ""
            if "sess" in receiver.lower() or any(
                    a.keyword is not None and a.keyword.value == "feed_dict" for a in node.args):
                fetched = node.args[0].value
                init = isinstance(fetched, cst.Call) and f.call_rule(
                    renames.renamed((self.tf_path(fetched.func) or ("",))[0])[0] or "") is (
                    f.CALLS["global_variables_initializer"])
                if not init:  # running an initializer is reported as such
                    fetches = " ".join(_EMPTY.code_for_node(fetched).split())
                    self.finding(node, f.FETCH, fetches=fetches)

    # --- module ----------------------------------------------------------------------
    def leave_Module(self, original: cst.Module, updated: cst.Module) -> cst.Module:
        for call in self._pending_placeholders.values():
            self.finding(call, f.CALLS["placeholder"])
        if self.need_root_import and self.root is None:
            updated = _insert_import(updated, "import flaxscope.compat.v1 as tf\n")
        if self.need_fs_import:
            updated = _insert_import(updated, "import flaxscope as fs\n")
        unused = {n for n, (_, new) in self.aliases.items()
                  if new is None and self._uses.get(n, 0) <= 0 and self._converted.get(n)}
        for name in sorted(unused):
            node = self._alias_nodes.get(name)
            if node is not None:
                self.change(node, "(removed: every use of it was converted)", "import")
                # its "no equivalent" finding no longer applies
                self._dropped.update(id(e) for n, e in self._pending
                                     if n is node and isinstance(e, Finding))
        if unused:
            updated = updated.visit(_DropImports(unused))
        return updated


class _Hinted:
    """A renderer that prefers the alias the original expression used."""

    def __init__(self, up: Upgrader, hint: str) -> None:
        self.up, self.hint = up, hint

    def render(self, path: str) -> cst.BaseExpression:
        return self.up.render(path, hint=self.hint)


def _insert_import(module: cst.Module, code: str) -> cst.Module:
    """Adds the import ``code`` after the file's leading imports."""
    stmt = cst.parse_statement(code)
    body = list(module.body)
    at = 0
    for i, s in enumerate(body):
        if isinstance(s, cst.SimpleStatementLine) and all(
                isinstance(x, cst.Import | cst.ImportFrom) or (
                    isinstance(x, cst.Expr) and isinstance(x.value, cst.SimpleString))
                for x in s.body):
            at = i + 1
        elif i > at:
            break
    body.insert(at, stmt)
    return module.with_changes(body=body)


class _DropImports(cst.CSTTransformer):
    """Removes the TensorFlow imports whose every use was converted."""

    def __init__(self, names: set[str]) -> None:
        super().__init__()
        self.names = names

    def _keep(self, alias: cst.ImportAlias) -> bool:
        local = alias.asname.name.value if alias.asname else c.module_path(alias)  # type: ignore[union-attr]
        return local not in self.names

    def leave_Import(self, original: cst.Import, updated: cst.Import):  # type: ignore[override]
        kept = [a for a in updated.names if self._keep(a)]
        if len(kept) == len(updated.names):
            return updated
        if not kept:
            return cst.RemovalSentinel.REMOVE
        return updated.with_changes(names=[*kept[:-1], kept[-1].with_changes(
            comma=cst.MaybeSentinel.DEFAULT)])

    def leave_ImportFrom(self, original: cst.ImportFrom, updated: cst.ImportFrom):  # type: ignore[override]
        if isinstance(updated.names, cst.ImportStar):
            return updated
        kept = [a for a in updated.names if self._keep(a)]
        if len(kept) == len(updated.names):
            return updated
        if not kept:
            return cst.RemovalSentinel.REMOVE
        return updated.with_changes(names=[*kept[:-1], kept[-1].with_changes(
            comma=cst.MaybeSentinel.DEFAULT)])
