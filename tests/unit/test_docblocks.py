"""The Markdown block parser behind the documentation tests."""

from __future__ import annotations

from pathlib import Path

from avion_workspace.docblocks import blocks, doc_files, inline_commands

DOC = """# Title

```sh
inv render --check   # a comment
inv tools.install \\
  helm
```

<!-- not-runnable: needs a cluster -->

```bash
inv deploy --env staging
```

```console
$ inv config.validate
config OK
```

```json
{"not": "run"}
```

````python
print("hi")
```
````
"""


def test_blocks_languages_lines_and_marks() -> None:
    found = list(blocks(DOC, "doc.md"))
    assert [(b.line, b.language, b.kind, b.not_runnable) for b in found] == [
        (3, "sh", "shell", None),
        (11, "bash", "shell", "needs a cluster"),
        (15, "console", "shell", None),
        (20, "json", None, None),
        (24, "python", "python", None),
    ]
    assert found[4].text == 'print("hi")\n```\n'


def test_commands_join_continuations_skip_comments_and_console_output() -> None:
    sh, bash, console, *_ = blocks(DOC, "doc.md")
    assert sh.commands() == [
        (4, "inv render --check   # a comment"),
        (5, "inv tools.install helm"),
    ]
    assert bash.commands() == [(12, "inv deploy --env staging")]
    assert console.commands() == [(16, "inv config.validate")]


def test_a_mark_must_directly_precede_its_block() -> None:
    text = "<!-- not-runnable: x -->\nsome prose\n\n```sh\ninv render\n```\n"
    (block,) = blocks(text, "d.md")
    assert block.not_runnable is None


def test_doc_files_are_globbed(tmp_path: Path) -> None:
    for name in ("README.md", "docs/a.md", "docs/runbooks/b.md", "libs/x/README.md", "other.md"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x\n")
    names = [p.relative_to(tmp_path).as_posix() for p in doc_files(tmp_path)]
    assert names == ["README.md", "docs/a.md", "docs/runbooks/b.md", "libs/x/README.md"]


def test_inline_commands_outside_fences_without_placeholders() -> None:
    text = (
        "Run `inv render --check`, or `nox -s lint` and `inv tools.install [NAME]`.\n"
        "```sh\n`inv inside --a-fence`\n```\n"
        "Then `.venv/bin/inv config.validate` (not `git status`).\n"
    )
    assert list(inline_commands(text)) == [
        (1, "inv render --check"),
        (1, "nox -s lint"),
        (5, ".venv/bin/inv config.validate"),
    ]
