"""The seeds' SimpleNN and SimpleCNN, and a Keras Dense(64, activation="relu") model, written as
PyTorch users write them, printed as PyTorch prints them. Run with --torch to run the very same code
on PyTorch 1.13 instead of ramp (the outputs differ only by "ramp" vs "torch").

    PYTHONPATH=build/python /usr/bin/python3 examples/simple_nets.py [--torch]
"""
import sys

if "--torch" in sys.argv:
    import torch
else:
    import ramp as torch
nn = torch.nn


class SimpleNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(784, 128)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        return self.fc2(self.relu(self.fc1(x)))


class SimpleCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 32, kernel_size=3, padding=1)
        self.relu1 = nn.ReLU()
        self.conv2 = nn.Conv2d(32, 64, kernel_size=3, padding=1)
        self.relu2 = nn.ReLU()
        self.pool = nn.MaxPool2d(2, 2)

    def forward(self, x):
        x = self.pool(self.relu1(self.conv1(x)))
        return self.pool(self.relu2(self.conv2(x)))


def show(model, x):
    y = model(x)
    print(f"Model Structure: {model}")
    print(f"Input shape: {x.shape}")
    print(f"Output shape: {y.shape}")
    print(f"Parameters: {sum(p.numel() for p in model.parameters())}\n")


if __name__ == "__main__":
    torch.manual_seed(0)
    show(SimpleNN(), torch.randn(1, 784))
    show(SimpleCNN(), torch.randn(1, 3, 32, 32))
    if torch.__name__ == "ramp":
        from ramp.keras import Sequential, Dense
        model = Sequential([Dense(64, activation="relu", input_shape=(784,)), Dense(10, activation="softmax")])
        show(model, torch.randn(1, 784))
        model.summary()
