"""Bad input raises ValueError naming the argument and index; the interpreter never crashes."""

import pytest

import netlogs

GOOD = '{"label": "Malicious", "confidence": 0.9}'


@pytest.mark.parametrize(
    "args,kwargs,message",
    [
        (([GOOD, GOOD], ["Malicious"]), {}, "answers has 1 items but completions has 2"),
        (([GOOD, 7], ["Malicious", "Benign"]), {}, "completions[1]"),
        (([GOOD, {"x": 1}], ["Malicious", "Benign"]), {}, "completions[1]"),
        (([GOOD], ["Abstain"]), {}, "answers[0]"),
        (([GOOD, GOOD], ["Malicious", 3]), {}, "answers[1]"),
        (([GOOD], [None]), {}, "answers[0]"),
        (("not a list", ["Malicious"]), {}, "completions must be a list"),
        (([GOOD], ["Malicious"]), {"preset": "nope"}, 'unknown preset "nope"'),
        (([GOOD], ["Malicious"]), {"infos": [{}, {}]}, "infos has 2 items"),
        (([GOOD], ["Malicious"]), {"infos": [3]}, "infos[0]"),
        (([GOOD], ["Malicious"]), {"rubric": {"fn_cst": 1}}, "unknown rubric option"),
        (([GOOD], ["Malicious"]), {"rubric": {"abstain_credit": 3}}, "abstain_credit"),
        (([GOOD], ["Malicious"]), {"rubric": 42}, "rubric must be"),
        (([[{"role": "assistant", "content": GOOD}, {1: "x"}]], ["Malicious"]), {}, "completions[0][1]: dict keys must be strings"),
    ],
)
def test_value_errors_name_the_index(args, kwargs, message):
    with pytest.raises(ValueError) as e:
        netlogs.score(*args, **kwargs)
    assert message in str(e.value)


def test_rubric_and_loader_errors(tmp_path):
    with pytest.raises(ValueError, match="unknown rubric option"):
        netlogs.Rubric(bogus=1)
    with pytest.raises(ValueError, match="weights"):
        netlogs.Rubric(weights=[1, 2])
    with pytest.raises(ValueError, match="rubric option `fn_cost`: invalid type"):
        netlogs.Rubric(fn_cost="high")
    with pytest.raises(ValueError, match="unknown template"):
        netlogs.load_examples(template="nope")
    missing = tmp_path / "missing.conn.log"
    with pytest.raises(ValueError, match="missing.conn.log"):
        netlogs.load_examples(data=str(missing))
    with pytest.raises(ValueError, match="Benign/Malicious"):
        netlogs.parse_label("Abstain")


def test_huge_and_strange_inputs_do_not_crash():
    odd = ["{" * 100_000, "\x00" * 10, "\ud800".encode("utf-8", "surrogatepass").decode("utf-8", "replace"), "", None]
    out = netlogs.score(odd, ["Malicious"] * len(odd))
    assert len(out) == len(odd)
    assert all(o["parsed"]["outcome"] == "invalid" for o in out)
