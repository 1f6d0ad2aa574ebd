"""After Dive into Deep Learning, "Implementation of Multilayer Perceptrons from Scratch" (PyTorch
tab; d2l-ai/d2l-en, MIT-0): https://d2l.ai/chapter_multilayer-perceptrons/mlp-implementation.html
(the 2022 edition with d2l.load_data_fashion_mnist / train_ch3). The d2l helpers the page calls
(data loading, Accumulator, accuracy, evaluate_accuracy, train_epoch_ch3) are in t10_helpers.py, as
the d2l package defines them; the same torch calls; adapted: the data capped, a RESULT line."""
import os
import sys

import torch
from torch import nn


sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from t10_helpers import load_data_fashion_mnist, train_ch3  # noqa: E402

batch_size = 256
train_iter, test_iter = load_data_fashion_mnist(batch_size)

num_inputs, num_outputs, num_hiddens = 784, 10, 256

torch.manual_seed(0)
W1 = nn.Parameter(torch.randn(num_inputs, num_hiddens, requires_grad=True) * 0.01)
b1 = nn.Parameter(torch.zeros(num_hiddens, requires_grad=True))
W2 = nn.Parameter(torch.randn(num_hiddens, num_outputs, requires_grad=True) * 0.01)
b2 = nn.Parameter(torch.zeros(num_outputs, requires_grad=True))

params = [W1, b1, W2, b2]


def relu(X):
    a = torch.zeros_like(X)
    return torch.max(X, a)


def net(X):
    X = X.reshape((-1, num_inputs))
    H = relu(X@W1 + b1)  # Here '@' stands for matrix multiplication
    return (H@W2 + b2)


loss = nn.CrossEntropyLoss(reduction='none')

num_epochs, lr = 10, 0.1
updater = torch.optim.SGD(params, lr=lr)
test_acc = train_ch3(net, train_iter, test_iter, loss, num_epochs, updater)
print(f"RESULT accuracy={100 * test_acc}")
