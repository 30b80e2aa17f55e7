"""A verifiers v1 trace holding a conversation, as the interception would have recorded it:
the task's prompt, then the model's turns (sampled) and the tool results."""

import verifiers.v1 as vf
from verifiers.v1.graph import MessageNode
from verifiers.v1.types import AssistantMessage, ToolCall, ToolMessage, UserMessage

from netlogs_env._lookup_v1 import LookupState


def trace_of(task, completion):
    """A v1 trace holding `completion` (OpenAI-shaped messages) after the task's prompt."""
    nodes = [MessageNode(parent=None, message=UserMessage(content=task.data.prompt), sampled=False)]
    for m in completion:
        if m["role"] == "assistant":
            calls = [ToolCall(id=c["id"], name=c["function"]["name"], arguments=c["function"]["arguments"])
                     for c in m.get("tool_calls") or []] or None
            message, sampled = AssistantMessage(content=m["content"], tool_calls=calls), True
        else:
            message, sampled = ToolMessage(tool_call_id=m["tool_call_id"], name=m.get("name"), content=m["content"]), False
        nodes.append(MessageNode(parent=len(nodes) - 1, message=message, sampled=sampled))
    return vf.Trace(agent=vf.AgentInfo(config=vf.AgentConfig()), task=vf.TraceTask(type="NetlogsTask", data=task.data),
                    state=LookupState(), nodes=nodes)
