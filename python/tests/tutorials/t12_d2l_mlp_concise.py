"""After Dive into Deep Learning, "Concise Implementation of Multilayer Perceptrons" (PyTorch tab;
d2l-ai/d2l-en, MIT-0): https://d2l.ai/chapter_multilayer-perceptrons/mlp-implementation.html
The same torch calls; the d2l training helpers as in t10; adapted: the data capped, a RESULT line."""
import os
import sys

import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from t10_helpers import load_data_fashion_mnist, train_ch3  # noqa: E402

net = nn.Sequential(nn.Flatten(),
                    nn.Linear(784, 256),
                    nn.ReLU(),
                    nn.Linear(256, 10))


def init_weights(m):
    if type(m) == nn.Linear:
        nn.init.normal_(m.weight, std=0.01)


torch.manual_seed(0)
net.apply(init_weights)

batch_size, lr, num_epochs = 256, 0.1, 10
loss = nn.CrossEntropyLoss(reduction='none')
trainer = torch.optim.SGD(net.parameters(), lr=lr)

train_iter, test_iter = load_data_fashion_mnist(batch_size)
test_acc = train_ch3(net, train_iter, test_iter, loss, num_epochs, trainer)
print(f"RESULT accuracy={100 * test_acc}")
