"""After the PyTorch 60-minute blitz "Neural Networks" (BSD-3-Clause):
https://pytorch.org/tutorials/beginner/blitz/neural_networks_tutorial.html
The same torch calls; adapted: a fixed seed and a short training loop on the random target the
tutorial makes (its last step, one update, repeated), a RESULT line."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)


class Net(nn.Module):

    def __init__(self):
        super(Net, self).__init__()
        self.conv1 = nn.Conv2d(1, 6, 5)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), (2, 2))
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        x = self.fc3(x)
        return x


net = Net()
print(net)

params = list(net.parameters())
print(len(params))
print(params[0].size())

input = torch.randn(1, 1, 32, 32)
out = net(input)
print(out)

net.zero_grad()
out.backward(torch.randn(1, 10))

output = net(input)
target = torch.randn(10)
target = target.view(1, -1)
criterion = nn.MSELoss()

loss = criterion(output, target)
print(loss)

print(loss.grad_fn)  # MSELoss
print(loss.grad_fn.next_functions[0][0])  # Linear
print(loss.grad_fn.next_functions[0][0].next_functions[0][0])  # ReLU

net.zero_grad()

print('conv1.bias.grad before backward')
print(net.conv1.bias.grad)

loss.backward()

print('conv1.bias.grad after backward')
print(net.conv1.bias.grad)

learning_rate = 0.01
for f in net.parameters():
    f.data.sub_(f.grad.data * learning_rate)

import torch.optim as optim

optimizer = optim.SGD(net.parameters(), lr=0.01)
first = None
for _ in range(50):
    optimizer.zero_grad()
    output = net(input)
    loss = criterion(output, target)
    first = loss.item() if first is None else first
    loss.backward()
    optimizer.step()
names = [loss.grad_fn.name(), loss.grad_fn.next_functions[0][0].name()]
print(f"RESULT nparams={len(params)} shape0={'x'.join(map(str, params[0].size()))} "
      f"decreased={int(loss.item() < first / 2)} nodes={','.join(names)}")
