"""verl: ``custom_reward_function.path=<netlogs/verl.py>, name=compute_score``.

verl's reward manager calls ``compute_score(data_source, solution_str, ground_truth,
extra_info)`` per sample; a dict result must hold ``score``, and its other keys are logged.
"""

from netlogs._netlogs import score as _score


def compute_score(data_source, solution_str, ground_truth, extra_info=None, **kwargs):
    """``{"score": reward, "accuracy", "format", "calibration", "cost"}`` for one response."""
    (s,) = _score([solution_str], [ground_truth])
    return {"score": s["reward"], **s["metrics"]}
