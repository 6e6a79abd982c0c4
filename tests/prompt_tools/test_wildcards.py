"""Wildcards and {a|b} choices: per-seed determinism, nesting, bounded expansion, recording in PNG and history."""
from __future__ import annotations

import pytest

from studio.core.prompt_history import HistoryWalker, PromptHistory
from studio.core.specs.wildcards import WildcardError, expand_prompt, wildcard_names


@pytest.fixture()
def cards(paths):
    folder = paths.wildcards
    (folder / "colours.txt").write_text("# warm first\nred\norange\n\nblue\ngreen\n", encoding="utf-8")
    (folder / "styles").mkdir()
    (folder / "styles" / "soft.txt").write_text("pastel __colours__\n{matte|glossy} finish\n", encoding="utf-8")
    (folder / "a.txt").write_text("x __a__\n", encoding="utf-8")
    (folder / "b.txt").write_text("__c__\n", encoding="utf-8")
    (folder / "c.txt").write_text("__b__\n", encoding="utf-8")
    return folder


def test_same_seed_same_expansion_and_seeds_vary(cards):
    template = "a {red|blue|green} sneaker, __colours__ laces, __styles/soft__"
    runs = [expand_prompt(template, seed, cards) for seed in range(40)]
    assert runs == [expand_prompt(template, seed, cards) for seed in range(40)]
    assert len(set(runs)) > 10 and all("{" not in r and "__" not in r for r in runs)
    colours = {r.split(",")[1].split()[0] for r in runs}
    assert colours == {"red", "orange", "blue", "green"}  # comments and blank lines are not options
    assert expand_prompt("{a {big|small}|b} cat", 3, cards) in ("a big cat", "a small cat", "b cat")
    assert expand_prompt("{emphasis} and (word:1.2)", 1, cards) == "{emphasis} and (word:1.2)"  # no | : kept
    assert wildcard_names(cards) == ["a", "b", "c", "colours", "styles/soft"]


@pytest.mark.parametrize("template,message", [
    ("__missing__", "No wildcard file for __missing__"),
    ("__a__", r"__a__ refers to itself \(__a__ → __a__\)"),
    ("__b__", r"__b__ refers to itself \(__b__ → __c__ → __b__\)"),
    ("__../etc/passwd__", None),
])
def test_missing_or_recursive_wildcards_are_one_line(cards, template, message):
    if message is None:  # not a wildcard name at all: left as typed, never read from outside the folder
        assert expand_prompt(template, 0, cards) == template
        return
    with pytest.raises(WildcardError, match=message) as err:
        expand_prompt(template, 0, cards)
    assert "\n" not in str(err.value)


def test_prompt_history_and_walker(paths):
    h = PromptHistory.open(paths)
    for p in ("a red sneaker", "a blue coat", "a red sneaker", "  "):
        h.add(p)
    again = PromptHistory.open(paths)
    assert again.prompts == ["a blue coat", "a red sneaker"] and again.search("RED") == ["a red sneaker"]
    w = HistoryWalker()
    w.start(again.prompts, "draft")
    assert w.older("draft") == "a red sneaker" and w.older("a red sneaker") == "a blue coat"
    assert w.older("a blue coat") is None
    assert w.newer() == "a red sneaker" and w.newer() == "draft" and w.newer() is None
    paths.prompt_history_file.write_text("{broken", encoding="utf-8")
    assert PromptHistory.open(paths).prompts == []


def test_cli_batch_records_each_expanded_prompt(cards, paths, tiny_sd_dir, capsys):
    from studio.cli import main
    from studio.core.store.gallery import GalleryStore
    from studio.core.pngmeta import read_png_parameters

    template = "a {red|blue} cube, __colours__"
    args = ["generate", "image", "--model", str(tiny_sd_dir), "--prompt", template, "--seed", "7", "--batch", "3",
            "--steps", "1", "--width", "64", "--height", "64", "--upscale", "none"]
    assert main(args) == 0
    pngs = capsys.readouterr().out.split()
    wanted = [expand_prompt(template, 7 + i, cards) for i in range(3)]
    assert [read_png_parameters(p).prompt for p in pngs] == wanted
    assert len(set(wanted)) > 1  # the batch shows variants
    history = GalleryStore.open(paths).search("cube")
    assert sorted(e.prompt for e in history) == sorted(wanted)
    assert PromptHistory.open(paths).prompts[-1] == template  # the prompt as typed
    assert main(["history", "prompts", "cube"]) == 0
    assert capsys.readouterr().out.strip() == template
    assert main(args[:5] + ["__a__"] + args[6:]) == 1
    assert "refers to itself" in capsys.readouterr().err
