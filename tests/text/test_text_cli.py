"""`python main.py generate text`: streams to stdout, clear one-line errors."""
from __future__ import annotations

from studio.cli import main


def test_generate_text_streams_to_stdout(tiny_llama_dir, capsys):
    code = main(["generate", "text", "--prompt", "Once upon a time", "--model", str(tiny_llama_dir),
                 "--temperature", "0", "--max-new-tokens", "8", "--seed", "3"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert out.strip() and "Once upon a time" not in out
    assert "8 tokens" in err and "/256 context" in err
    assert err.rstrip().endswith("context, greedy") and "seed" not in err  # greedy: no seed is printed
    code = main(["generate", "text", "--prompt", "Once upon a time", "--model", str(tiny_llama_dir),
                 "--temperature", "0", "--max-new-tokens", "8"])
    again, _ = capsys.readouterr()
    assert again == out  # greedy: same text whatever the seed
    code = main(["generate", "text", "--prompt", "Once upon a time", "--model", str(tiny_llama_dir),
                 "--temperature", "0.8", "--max-new-tokens", "4", "--seed", "3"])
    assert code == 0 and capsys.readouterr().err.rstrip().endswith("seed 3")  # sampling: the seed is printed


def test_generate_text_chat_mode(tiny_llama_dir, capsys):
    code = main(["generate", "text", "--chat", "--system", "Be brief.", "--prompt", "Hi", "--model",
                 str(tiny_llama_dir), "--max-new-tokens", "4", "--seed", "1"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "<|im_start|>" not in out


def test_generate_text_errors_are_one_line(tiny_llama_dir, capsys):
    assert main(["generate", "text", "--prompt", "", "--model", str(tiny_llama_dir)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: The prompt is empty") and err.count("\n") == 1
    assert main(["generate", "text", "--prompt", "x", "--max-new-tokens", "0", "--model", str(tiny_llama_dir)]) == 1
    assert "Max new tokens must be between 1" in capsys.readouterr().err
    assert main(["generate", "text", "--prompt", "x", "--model", "no-such-model"]) == 1
    assert "No model named 'no-such-model'" in capsys.readouterr().err
