"""After Machine Learning Mastery, "Develop Your First Neural Network with PyTorch, Step by Step"
(Adrian Tam, 2023): https://machinelearningmastery.com/develop-your-first-neural-network-with-pytorch-step-by-step/
The same torch calls; adapted: the Pima diabetes CSV (8 features, a 0/1 label) became Fashion-MNIST
images (784 features) with the label "is it footwear" (sandal, sneaker, ankle boot), the first layer
takes 784 inputs, 20 epochs, a RESULT line."""
import numpy as np
import torch
import torch.nn as nn
import torch.optim as optim
from torchvision import datasets

# load the dataset, split into input (X) and output (y) variables
dataset = datasets.FashionMNIST("data", train=True)
X = dataset.data.reshape(len(dataset), -1).astype(np.float32) / 255
y = np.isin(dataset.targets_np, [5, 7, 9]).astype(np.float32)

X = torch.tensor(X, dtype=torch.float32)
y = torch.tensor(y, dtype=torch.float32).reshape(-1, 1)

torch.manual_seed(0)
# define the model
model = nn.Sequential(
    nn.Linear(784, 12),
    nn.ReLU(),
    nn.Linear(12, 8),
    nn.ReLU(),
    nn.Linear(8, 1),
    nn.Sigmoid()
)
print(model)

# train the model
loss_fn = nn.BCELoss()  # binary cross entropy
optimizer = optim.Adam(model.parameters(), lr=0.001)

n_epochs = 20
batch_size = 10

for epoch in range(n_epochs):
    for i in range(0, len(X), batch_size):
        Xbatch = X[i:i+batch_size]
        y_pred = model(Xbatch)
        ybatch = y[i:i+batch_size]
        loss = loss_fn(y_pred, ybatch)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    print(f'Finished epoch {epoch}, latest loss {loss}')

# compute accuracy (no_grad is optional)
with torch.no_grad():
    y_pred = model(X)

accuracy = (y_pred.round() == y).float().mean()
print(f"Accuracy {accuracy}")

# make class predictions with the model
predictions = (model(X) > 0.5).int()
for i in range(5):
    print('%s => %d (expected %d)' % (X[i].tolist()[:4], predictions[i], y[i]))
print(f"RESULT accuracy={float(accuracy) * 100}")
