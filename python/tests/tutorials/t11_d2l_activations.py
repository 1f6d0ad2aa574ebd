"""After Dive into Deep Learning, "Multilayer Perceptrons", activation functions (PyTorch tab;
d2l-ai/d2l-en, MIT-0): https://d2l.ai/chapter_multilayer-perceptrons/mlp.html
The same torch calls; adapted: the plots became printed values, and the RESULT line carries them (no
randomness: ramp must give torch's numbers, ReLU's derivative at arange's 81st point included)."""
import torch

x = torch.arange(-8.0, 8.0, 0.1, requires_grad=True)
y = torch.relu(x)
relu_values = y.detach()

y.backward(torch.ones_like(x), retain_graph=True)
relu_grad = x.grad.clone()

y = torch.sigmoid(x)
sigmoid_values = y.detach()
# Clear out previous gradients
x.grad.data.zero_()
y.backward(torch.ones_like(x), retain_graph=True)
sigmoid_grad = x.grad.clone()

y = torch.tanh(x)
tanh_values = y.detach()
# Clear out previous gradients
x.grad.data.zero_()
y.backward(torch.ones_like(x), retain_graph=True)
tanh_grad = x.grad.clone()

picks = [0, 40, 79, 80, 81, 120, 159]
fmt = lambda t: ",".join(repr(float(t[i])) for i in picks)
print(f"RESULT x={fmt(x.detach())} relu={fmt(relu_values)} relu_grad={fmt(relu_grad)} "
      f"sigmoid={fmt(sigmoid_values)} sigmoid_grad={fmt(sigmoid_grad)} tanh={fmt(tanh_values)} "
      f"tanh_grad={fmt(tanh_grad)} n={len(x)}")
