#!/usr/bin/python3
"""Checks the folder tree against the architecture: core's layers (core/LAYERS), plugins that
include only the SDK and the shared plugin libraries, and no function over 80 lines.

    scripts/check_layers.py [ROOT]     # ROOT: a source tree (default: this one)

Prints one line per violation, `file:line: message`, and exits 1 if there is any. The build
enforces the same layers for public headers (each layer's target exposes only its own include
folder); this check also catches what a build cannot: `../` includes of another folder's private
files, and includes that happen to compile because a higher layer's target is linked anyway.
"""
import os
import re
import sys

MAX_FUNCTION_LINES = 80
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')
CONTROL = {"if", "for", "while", "switch", "catch", "else", "do", "try", "return", "sizeof", "alignof", "decltype"}
SCOPES = re.compile(r"^(?:template\s*<.*>\s*)?(?:namespace|class|struct|enum|union|extern)\b", re.S)


def read_layers(root):
    """{layer: set of layers it may use, transitively} and the order in the file."""
    direct, order = {}, []
    with open(os.path.join(root, "core", "LAYERS")) as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            name, _, deps = line.partition(":")
            name = name.strip()
            direct[name] = deps.split()
            order.append(name)
    closure = {}
    for name in order:  # bottom to top: every dependency is already closed
        seen = set()
        for d in direct[name]:
            if d not in closure:
                raise SystemExit(f"core/LAYERS: {name} uses {d}, which is not a layer below it")
            seen |= {d} | closure[d]
        closure[name] = seen
    return closure


def source_files(top):
    for dirpath, dirnames, filenames in os.walk(top):
        dirnames.sort()
        for fn in sorted(filenames):
            if fn.endswith((".cpp", ".hpp", ".h", ".cc")):
                yield os.path.join(dirpath, fn)


def includes(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        for no, line in enumerate(f, 1):
            m = INCLUDE.match(line)
            if m:
                yield no, m.group(1), m.group(2)


def core_layer(root, path):
    rel = os.path.relpath(path, os.path.join(root, "core"))
    parts = rel.split(os.sep)
    if parts[0] == "src" and len(parts) > 2:
        return parts[1], os.path.join(root, "core", "src", parts[1])
    if parts[0] == "include" and len(parts) > 3 and parts[1] == "alchain":
        return parts[2], os.path.join(root, "core", "include", "alchain", parts[2])
    return None, None


def check_core(root, layers, report):
    for path in source_files(os.path.join(root, "core")):
        layer, home = core_layer(root, path)
        if layer is None:
            continue
        if layer not in layers:
            report(path, 1, f"folder '{layer}' is not a layer in core/LAYERS")
            continue
        own = {layer}
        allowed = own | layers[layer]
        for no, kind, inc in includes(path):
            if kind == '"' and not inc.startswith("alchain/"):
                target = os.path.normpath(os.path.join(os.path.dirname(path), inc))
                if not target.startswith(home + os.sep) and os.path.exists(target):
                    report(path, no, f"private include of another folder: \"{inc}\" "
                                     f"(a {layer} file may include only its own folder's private headers)")
                continue
            if not inc.startswith("alchain/"):
                continue
            parts = inc.split("/")
            used = "util" if inc == "alchain/version.hpp" else parts[1] if len(parts) > 2 else None
            if used is None or used == "sdk":
                continue
            if used not in layers:
                report(path, no, f"includes \"{inc}\": '{used}' is not a layer in core/LAYERS")
            elif used not in allowed:
                report(path, no, f"upward include: layer '{layer}' includes \"{inc}\" of layer '{used}' "
                                 f"(it may use: {', '.join(sorted(allowed - own)) or 'nothing'})")


def plugin_units(root):
    """Folders under plugins/ with a CMakeLists.txt: {folder: is_shared_library}."""
    units = {}
    for dirpath, _, filenames in os.walk(os.path.join(root, "plugins")):
        if "CMakeLists.txt" in filenames and dirpath != os.path.join(root, "plugins"):
            with open(os.path.join(dirpath, "CMakeLists.txt")) as f:
                text = f.read()
            units[dirpath] = "alchain_add_plugin" not in text and "add_library" in text
    return units


def check_plugins(root, report):
    units = plugin_units(root)
    for path in source_files(os.path.join(root, "plugins")):
        home = max((u for u in units if path.startswith(u + os.sep)), key=len, default=None)
        if home is None:
            report(path, 1, "plugin source outside any folder with a CMakeLists.txt")
            continue
        category = os.path.dirname(home)
        for no, kind, inc in includes(path):
            if inc.startswith("alchain/"):
                if not inc.startswith("alchain/sdk/"):
                    report(path, no, f"plugins use the SDK only: \"{inc}\" is a host header")
                continue
            if kind != '"':
                continue
            target = os.path.normpath(os.path.join(os.path.dirname(path), inc))
            if os.path.exists(target):
                if not target.startswith(home + os.sep):
                    lib = max((u for u in units if target.startswith(u + os.sep)), key=len, default=None)
                    what = "a shared plugin library's header by a relative path (include it as \"" + \
                        os.path.relpath(target, os.path.dirname(lib)) + "\")" if lib and units[lib] else \
                        "another plugin's private file"
                    report(path, no, f"\"{inc}\" is {what}")
                continue
            lib = os.path.join(category, inc.split("/")[0])
            if "/" in inc and lib in units and not units[lib]:
                report(path, no, f"\"{inc}\" is another plugin's private file (only shared libraries may be included)")


def strip_code(text):
    """Comments, strings and character literals blanked, newlines kept."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i)); i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j])); i = j
        elif c == 'R' and text.startswith('R"', i):
            m = re.match(r'R"([^(]*)\(', text[i:])
            end = text.find(")" + m.group(1) + '"', i) if m else -1
            j = n if end < 0 else end + len(m.group(1)) + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j])); i = j
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            out.append(re.sub(r"[^\n]", " ", text[i:j + 1])); i = j + 1
        elif c == "#" and (i == 0 or text[i - 1] == "\n"):
            j = i
            while True:  # preprocessor lines, with their continuations
                k = text.find("\n", j)
                k = n if k < 0 else k
                if k > 0 and text[k - 1] == "\\":
                    j = k + 1
                    continue
                break
            out.append(re.sub(r"[^\n]", " ", text[i:k])); i = k
        else:
            out.append(c); i += 1
    return "".join(out)


def long_functions(path):
    """(name, first line, lines) of every function body over the limit."""
    with open(path, encoding="utf-8", errors="replace") as f:
        code = strip_code(f.read())
    found, stack, head_start = [], [], 0
    for i, c in enumerate(code):
        if c in ";}":
            if c == "}" and stack:
                kind, start_line, name = stack.pop()
                if kind == "function":
                    end_line = code.count("\n", 0, i) + 1
                    if end_line - start_line + 1 > MAX_FUNCTION_LINES:
                        found.append((name, start_line, end_line - start_line + 1))
            head_start = i + 1
        elif c == "{":
            head = code[head_start:i].strip()
            in_function = any(k == "function" for k, _, _ in stack)
            kind = "block"
            if not in_function and not SCOPES.match(head) and ")" in head and not head.endswith("="):
                words = re.findall(r"[A-Za-z_]\w*", head.split("(", 1)[0])
                if words and words[-1] not in CONTROL:
                    kind = "function"
            if kind == "function":
                offset = head_start + (len(code[head_start:i]) - len(code[head_start:i].lstrip()))
                name = re.findall(r"[\w:~]+(?=\s*\()", head)
                stack.append((kind, code.count("\n", 0, offset) + 1, name[0] if name else "?"))
            else:
                stack.append((kind, 0, ""))
            head_start = i + 1
    return found


def check_lengths(root, report):
    for top in ("core", "plugins"):
        for path in source_files(os.path.join(root, top)):
            for name, line, count in long_functions(path):
                report(path, line, f"function '{name}' is {count} lines (at most {MAX_FUNCTION_LINES}): "
                                   "split it into named steps")


def main():
    root = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), ".."))
    problems = []

    def report(path, line, message):
        problems.append(f"{os.path.relpath(path, root)}:{line}: {message}")

    check_core(root, read_layers(root), report)
    check_plugins(root, report)
    check_lengths(root, report)
    for p in problems:
        print(p)
    if problems:
        print(f"check_layers: {len(problems)} problem(s); the layers are in core/LAYERS, the rules in "
              "docs/architecture.md", file=sys.stderr)
        return 1
    print("check_layers: the includes follow core/LAYERS; plugins use only the SDK and shared plugin "
          f"libraries; no function over {MAX_FUNCTION_LINES} lines")
    return 0


if __name__ == "__main__":
    sys.exit(main())
