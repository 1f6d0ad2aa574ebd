// Trains the seeds' small ReLU MLP and CNN on Fashion-MNIST (Debian's dataset-fashion-mnist) with
// SGD + momentum, a step learning-rate schedule and gradient clipping, printing a line per epoch:
// loss, train and test accuracy, time. The same in Python (and in PyTorch, for the time per
// epoch beside it): examples/train_fashion_mnist.py.
//
//   ramp_train_fashion_mnist [mlp|cnn|both] [epochs]      (defaults: both; mlp 5 epochs, cnn 1)
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "ramp/autograd.h"
#include "ramp/data.h"
#include "ramp/nn.h"
#include "ramp/nn/loss.h"
#include "ramp/nn/utils.h"
#include "ramp/ops.h"
#include "ramp/optim.h"

using namespace ramp;

namespace {

std::shared_ptr<nn::Module> make_model(const std::string& kind) {
  if (kind == "mlp") {
    return std::make_shared<nn::Sequential>(std::make_shared<nn::Flatten>(), std::make_shared<nn::Linear>(784, 256),
                                            std::make_shared<nn::ReLU>(), std::make_shared<nn::Linear>(256, 10));
  }
  return std::make_shared<nn::Sequential>(
      std::make_shared<nn::Conv2d>(1, 32, 3, nn::Conv2dOptions{.padding = 1}), std::make_shared<nn::ReLU>(),
      std::make_shared<nn::MaxPool2d>(2), std::make_shared<nn::Conv2d>(32, 64, 3, nn::Conv2dOptions{.padding = 1}),
      std::make_shared<nn::ReLU>(), std::make_shared<nn::MaxPool2d>(2), std::make_shared<nn::Flatten>(),
      std::make_shared<nn::Linear>(64 * 7 * 7, 10));
}

// The number of rows whose largest logit is at the label.
std::int64_t correct(const Tensor& logits, const Tensor& labels) {
  return eq(argmax(logits, 1), labels).sum().item<std::int64_t>();
}

double accuracy(nn::Module& model, const Tensor& images, const Tensor& labels) {
  autograd::NoGradGuard no_grad;
  model.eval();
  std::int64_t right = 0;
  for (auto [x, y] : data::DataLoader(images, labels, 1000)) right += correct(model(x), y);
  model.train();
  return 100.0 * double(right) / double(labels.size(0));
}

void train(const std::string& kind, int epochs, const data::ImagesLabels& train_set, const data::ImagesLabels& test_set) {
  manual_seed(0);
  auto model = make_model(kind);
  std::printf("%s\n", model->repr().c_str());
  optim::SGD opt(model->parameters(), {.lr = 0.05, .momentum = 0.9});
  optim::StepLR schedule(opt, /*step_size=*/2, /*gamma=*/0.5);
  data::DataLoader loader(train_set.images, train_set.labels, /*batch_size=*/64, /*shuffle=*/true, /*seed=*/0);
  for (int epoch = 1; epoch <= epochs; ++epoch) {
    auto start = std::chrono::steady_clock::now();
    double loss_sum = 0;
    std::int64_t right = 0, seen = 0;
    for (auto [x, y] : loader) {
      Tensor logits = (*model)(x);
      Tensor loss = cross_entropy(logits, y);
      opt.zero_grad();
      loss.backward();
      nn::utils::clip_grad_norm_(model->parameters(), 5.0);
      opt.step();
      loss_sum += loss.item<double>() * double(y.size(0));
      right += correct(logits.detach(), y);
      seen += y.size(0);
    }
    schedule.step();
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("[%s] epoch %d/%d  loss %.4f  train acc %.2f%%  test acc %.2f%%  time %.1f s\n", kind.c_str(), epoch,
                epochs, loss_sum / double(seen), 100.0 * double(right) / double(seen),
                accuracy(*model, test_set.images, test_set.labels), seconds);
    std::fflush(stdout);
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string which = argc > 1 ? argv[1] : "both";
  if (which != "mlp" && which != "cnn" && which != "both") {
    std::fprintf(stderr, "usage: %s [mlp|cnn|both] [epochs]\n", argv[0]);
    return 2;
  }
  try {
    auto train_set = data::load_fashion_mnist(true), test_set = data::load_fashion_mnist(false);
    std::printf("Fashion-MNIST: %lld training and %lld test images\n", static_cast<long long>(train_set.labels.size(0)),
                static_cast<long long>(test_set.labels.size(0)));
    for (std::string kind : {"mlp", "cnn"}) {
      if (which != "both" && which != kind) continue;
      int epochs = argc > 2 ? std::atoi(argv[2]) : kind == "mlp" ? 5 : 1;
      train(kind, epochs, train_set, test_set);
    }
  } catch (const Error& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
}
