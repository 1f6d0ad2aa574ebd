"""After the University of Amsterdam Deep Learning course, Tutorial 3 "Activation Functions"
(phlippe/uvadlc_notebooks, MIT): https://uvadlc-notebooks.readthedocs.io/en/latest/tutorial_notebooks/tutorial3/Activation_Functions.html
Its own activation modules (sigmoid, tanh, ReLU, LeakyReLU, ELU, Swish), their gradients, the
gradient-flow check, a Fashion-MNIST MLP per activation, and the dead-neuron count — the same torch
calls; adapted: 3 epochs of batch 64 per network on the capped data, no plots or saved models, a RESULT line."""
import os
import random

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
import torch.utils.data as data
import torchvision
from torchvision import transforms
from torchvision.datasets import FashionMNIST
from tqdm import tqdm


def set_seed(seed):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed(seed)
        torch.cuda.manual_seed_all(seed)


set_seed(42)
torch.backends.cudnn.deterministic = True
torch.backends.cudnn.benchmark = False
device = torch.device("cpu") if not torch.cuda.is_available() else torch.device("cuda:0")


class ActivationFunction(nn.Module):
    def __init__(self):
        super().__init__()
        self.name = self.__class__.__name__
        self.config = {"name": self.name}


class Sigmoid(ActivationFunction):
    def forward(self, x):
        return 1 / (1 + torch.exp(-x))


class Tanh(ActivationFunction):
    def forward(self, x):
        x_exp, neg_x_exp = torch.exp(x), torch.exp(-x)
        return (x_exp - neg_x_exp) / (x_exp + neg_x_exp)


class ReLU(ActivationFunction):
    def forward(self, x):
        return x * (x > 0).float()


class LeakyReLU(ActivationFunction):
    def __init__(self, alpha=0.1):
        super().__init__()
        self.config["alpha"] = alpha

    def forward(self, x):
        return torch.where(x > 0, x, self.config["alpha"] * x)


class ELU(ActivationFunction):
    def forward(self, x):
        return torch.where(x > 0, x, torch.exp(x) - 1)


class Swish(ActivationFunction):
    def forward(self, x):
        return x * torch.sigmoid(x)


act_fn_by_name = {"sigmoid": Sigmoid, "tanh": Tanh, "relu": ReLU, "leakyrelu": LeakyReLU, "elu": ELU, "swish": Swish}


def get_grads(act_fn, x):
    x = x.clone().requires_grad_()  # Mark the input as tensor for which we want to store gradient
    out = act_fn(x)
    out.sum().backward()  # Summing results in an equal gradient flow to each element in x
    return x.grad  # Accessing the gradients of x by "x.grad"


act_fns = [act_fn() for act_fn in act_fn_by_name.values()]
x = torch.linspace(-5, 5, 1000)  # Range on which we want to visualize the activation functions
grad_values = {}
for act_fn in act_fns:
    y = act_fn(x)
    y_grads = get_grads(act_fn, x)
    x, y, y_grads = x.cpu().numpy(), y.cpu().numpy(), y_grads.cpu().numpy()
    grad_values[act_fn.name] = (float(y[100]), float(y_grads[100]), float(y[900]), float(y_grads[900]))
    x = torch.from_numpy(x)


class BaseNetwork(nn.Module):
    def __init__(self, act_fn, input_size=784, num_classes=10, hidden_sizes=[512, 256, 256, 128]):
        super().__init__()
        layers = []
        layer_sizes = [input_size] + hidden_sizes
        layer_size_last = layer_sizes[0]
        for layer_size in layer_sizes[1:]:
            layers += [nn.Linear(layer_size_last, layer_size), act_fn]
            layer_size_last = layer_size
        layers += [nn.Linear(layer_sizes[-1], num_classes)]
        self.layers = nn.Sequential(*layers)
        self.config = {"act_fn": act_fn.config, "input_size": input_size, "num_classes": num_classes,
                       "hidden_sizes": hidden_sizes}

    def forward(self, x):
        x = x.view(x.size(0), -1)
        out = self.layers(x)
        return out


transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5,), (0.5,))])
train_dataset = FashionMNIST(root="data", train=True, transform=transform, download=True)
n_train = len(train_dataset)
train_set, val_set = torch.utils.data.random_split(train_dataset, [n_train - n_train // 6, n_train // 6])
test_set = FashionMNIST(root="data", train=False, transform=transform, download=True)
train_loader = data.DataLoader(train_set, batch_size=1024, shuffle=True, drop_last=False)
val_loader = data.DataLoader(val_set, batch_size=1024, shuffle=False, drop_last=False)
test_loader = data.DataLoader(test_set, batch_size=1024, shuffle=False, drop_last=False)


def visualize_gradients(net, color="C0"):
    net.eval()
    small_loader = data.DataLoader(train_set, batch_size=256, shuffle=False)
    imgs, labels = next(iter(small_loader))
    imgs, labels = imgs.to(device), labels.to(device)
    net.zero_grad()
    preds = net(imgs)
    loss = F.cross_entropy(preds, labels)
    loss.backward()
    grads = {name: params.grad.data.view(-1).cpu().clone().numpy()
             for name, params in net.named_parameters() if "weight" in name}
    net.zero_grad()
    return {key: float(np.abs(g).mean()) for key, g in grads.items()}


def test_model(net, data_loader):
    net.eval()
    true_preds, count = 0.0, 0
    for imgs, labels in data_loader:
        imgs, labels = imgs.to(device), labels.to(device)
        with torch.no_grad():
            preds = net(imgs).argmax(dim=-1)
            true_preds += (preds == labels).sum().item()
            count += labels.shape[0]
    test_acc = true_preds / count
    return test_acc


def train_model(net, max_epochs=3, batch_size=64):
    optimizer = optim.SGD(net.parameters(), lr=1e-2, momentum=0.9)
    train_loader_local = data.DataLoader(train_set, batch_size=batch_size, shuffle=True, drop_last=True, pin_memory=True)
    for epoch in range(max_epochs):
        net.train()
        true_preds, count = 0.0, 0
        for imgs, labels in tqdm(train_loader_local, desc=f"Epoch {epoch+1}", leave=False):
            imgs, labels = imgs.to(device), labels.to(device)
            optimizer.zero_grad()
            preds = net(imgs)
            loss = F.cross_entropy(preds, labels)
            loss.backward()
            optimizer.step()
            true_preds += (preds.argmax(dim=-1) == labels).sum()
            count += labels.shape[0]
        train_acc = true_preds / count
        val_acc = test_model(net, val_loader)
        print(f"[Epoch {epoch+1:2d}] Training accuracy: {train_acc*100.0:05.2f}%, Validation accuracy: {val_acc*100.0:05.2f}%")
    return test_model(net, test_loader)


@torch.no_grad()
def measure_number_dead_neurons(net):
    neurons_dead = [
        torch.ones(layer.weight.shape[0], device=device, dtype=torch.bool)
        for layer in net.layers[:-1] if isinstance(layer, nn.Linear)
    ]
    net.eval()
    for imgs, labels in tqdm(train_loader, leave=False):
        layer_index = 0
        imgs = imgs.to(device)
        imgs = imgs.view(imgs.size(0), -1)
        for layer in net.layers[:-1]:
            imgs = layer(imgs)
            if isinstance(layer, ActivationFunction):
                neurons_dead[layer_index] = torch.logical_and(neurons_dead[layer_index], (imgs == 0).all(dim=0))
                layer_index += 1
    number_neurons_dead = [t.sum().item() for t in neurons_dead]
    print("Number of dead neurons:", number_neurons_dead)
    print("In percentage:", ", ".join(
        [f"{(100.0 * num_dead / tens.shape[0]):4.2f}%" for tens, num_dead in zip(neurons_dead, number_neurons_dead)]))
    return number_neurons_dead


results = {}
grad_flow = {}
for act_fn_name in ["sigmoid", "relu", "leakyrelu", "swish"]:
    set_seed(42)
    act_fn = act_fn_by_name[act_fn_name]()
    net_actfn = BaseNetwork(act_fn=act_fn).to(device)
    grad_flow[act_fn_name] = visualize_gradients(net_actfn)
    results[act_fn_name] = train_model(net_actfn) * 100
    print(f"{act_fn_name}: test accuracy {results[act_fn_name]:4.2f}%")

set_seed(42)
net_relu = BaseNetwork(act_fn=ReLU()).to(device)
dead_untrained = measure_number_dead_neurons(net_relu)
# The tutorial's point: sigmoid's gradient vanishes towards the input, ReLU's does not.
vanishing = grad_flow["sigmoid"]["layers.0.weight"] / grad_flow["sigmoid"]["layers.8.weight"]
relu_flow = grad_flow["relu"]["layers.0.weight"] / grad_flow["relu"]["layers.8.weight"]
vals = ",".join(f"{v:.5f}" for name in ["Sigmoid", "Tanh", "ReLU", "LeakyReLU", "ELU", "Swish"] for v in grad_values[name])
print(f"RESULT accuracy_relu={results['relu']} accuracy_leakyrelu={results['leakyrelu']} "
      f"values={vals} sigmoid_vanishes={int(vanishing < 0.1)} "
      f"relu_flows={int(relu_flow > 0.1)}")
