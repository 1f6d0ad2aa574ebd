"""After the PyTorch recipe "Saving and Loading Models" / "Saving and loading a general checkpoint"
(BSD-3-Clause): https://pytorch.org/tutorials/beginner/saving_loading_models.html
The same torch calls (state_dict printing, saving/loading a state_dict, a whole general checkpoint
with the optimizer's state, resuming training); adapted: a Fashion-MNIST model and a few training
steps so there is optimizer state to save, a RESULT line."""
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torchvision import datasets, transforms


class TheModelClass(nn.Module):
    def __init__(self):
        super(TheModelClass, self).__init__()
        self.conv1 = nn.Conv2d(1, 6, 5)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 4 * 4, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = x.view(-1, 16 * 4 * 4)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        x = self.fc3(x)
        return x


torch.manual_seed(0)
model = TheModelClass()
optimizer = optim.SGD(model.parameters(), lr=0.01, momentum=0.9)

train = datasets.FashionMNIST("data", train=True, transform=transforms.ToTensor())
loader = torch.utils.data.DataLoader(train, batch_size=32, shuffle=True)
criterion = nn.CrossEntropyLoss()


def train_steps(n):
    for i, (inputs, labels) in enumerate(loader):
        if i == n:
            break
        optimizer.zero_grad()
        loss = criterion(model(inputs), labels)
        loss.backward()
        optimizer.step()
    return loss


loss = train_steps(90)

print("Model's state_dict:")
for param_tensor in model.state_dict():
    print(param_tensor, "\t", model.state_dict()[param_tensor].size())

print("Optimizer's state_dict:")
for var_name in optimizer.state_dict():
    print(var_name, "\t", optimizer.state_dict()[var_name])

PATH = "state_dict_model.pt"
torch.save(model.state_dict(), PATH)
model = TheModelClass()
model.load_state_dict(torch.load(PATH))
model.eval()

EPOCH = 5
PATH = "model.pt"
LOSS = 0.4
torch.save({
            'epoch': EPOCH,
            'model_state_dict': model.state_dict(),
            'optimizer_state_dict': optimizer.state_dict(),
            'loss': LOSS,
            }, PATH)

model = TheModelClass()
optimizer = optim.SGD(model.parameters(), lr=0.01, momentum=0.9)

checkpoint = torch.load(PATH)
model.load_state_dict(checkpoint['model_state_dict'])
optimizer.load_state_dict(checkpoint['optimizer_state_dict'])
epoch = checkpoint['epoch']
loss = checkpoint['loss']

model.eval()
# - or -
model.train()
loss = train_steps(90)

test = datasets.FashionMNIST("data", train=False, transform=transforms.ToTensor())
correct = 0
with torch.no_grad():
    for inputs, labels in torch.utils.data.DataLoader(test, batch_size=100):
        correct += (model(inputs).argmax(1) == labels).sum().item()
keys = ",".join(checkpoint.keys())
momentum_keys = len(checkpoint['optimizer_state_dict']['state'])
print(f"RESULT accuracy={100 * correct / len(test)} keys={keys} epoch={epoch} momentum_buffers={momentum_keys}")
