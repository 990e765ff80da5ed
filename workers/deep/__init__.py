"""The deep model: a tabular ResNet and a trainer that reports the checks deep-learning practice asks for."""

from workers.deep.device import resolve_device
from workers.deep.model import ResNetMLP
from workers.deep.trainer import ResNetMLPClassifier

__all__ = ["ResNetMLP", "ResNetMLPClassifier", "resolve_device"]
