"""The networks: LeNet for 28x28 digits, a small CNN for small crops, an MLP."""
from __future__ import annotations

from torch import nn


def lenet(classes: int = 10, in_channels: int = 1) -> nn.Module:
    """LeNet-5 as in the comparison protocol: conv 6@5x5, pool, conv 16@5x5, pool, 120, 84, classes."""
    return nn.Sequential(
        nn.Conv2d(in_channels, 6, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(16 * 4 * 4, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, classes))


def small_cnn(in_channels: int = 1, size: int = 8, classes: int = 10, width: int = 32) -> nn.Module:
    """Two 3x3 conv layers with padding, one pool, and a linear head; for 8x8 to 32x32 inputs."""
    half = size // 2
    return nn.Sequential(
        nn.Conv2d(in_channels, width, 3, padding=1), nn.ReLU(),
        nn.Conv2d(width, width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(width * half * half, 128), nn.ReLU(), nn.Linear(128, classes))


def mlp(inputs: int, classes: int, hidden: int = 128) -> nn.Module:
    return nn.Sequential(nn.Flatten(), nn.Linear(inputs, hidden), nn.ReLU(), nn.Linear(hidden, classes))
