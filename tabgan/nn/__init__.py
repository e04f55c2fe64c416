"""Networks, span-wise activations and losses. Torch only: nothing here knows pandas."""

from tabgan.nn.activations import SpanActivation, segment_log_softmax, segment_softmax
from tabgan.nn.classifier import TargetClassifier
from tabgan.nn.critic import Critic, gradient_penalty
from tabgan.nn.generator import Generator
from tabgan.nn.init import build_module, empty_module

__all__ = [
    "Critic", "Generator", "SpanActivation", "TargetClassifier", "build_module", "empty_module", "gradient_penalty",
    "segment_log_softmax", "segment_softmax",
]
