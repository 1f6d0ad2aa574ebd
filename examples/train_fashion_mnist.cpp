// Trains the seeds' small ReLU MLP and CNN on Fashion-MNIST (Debian's dataset-fashion-mnist) with
// SGD + momentum, a step learning-rate schedule and gradient clipping, printing a line per epoch:
// loss, train and test accuracy, time. The same in Python (and in PyTorch, for the time per
// epoch beside it): examples/train_fashion_mnist.py.
//
//   ramp_train_fashion_mnist [mlp|cnn|both] [epochs] [--limit N] [--distributed]
//   (defaults: both; mlp 5 epochs, cnn 1; --limit: the first N training and test images only)
//
// --distributed trains data-parallel over the ranks a torchrun-style launcher started (RANK,
// LOCAL_RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT): a Gloo group through env://, each rank its
// DistributedSampler share of the images (1.13's rule: a permutation seeded 0 + epoch, padded to a
// multiple of the world size, every world_size-th from the rank), the model in
// DistributedDataParallel; rank 0 prints. By hand, two ranks:
//   for r in 0 1; do RANK=$r WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=29500
//     build/ramp_train_fashion_mnist mlp --distributed & done; wait       (one line)
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "ramp/autograd.h"
#include "ramp/data.h"
#include "ramp/distributed.h"
#include "ramp/nn.h"
#include "ramp/nn/loss.h"
#include "ramp/nn/parallel.h"
#include "ramp/nn/utils.h"
#include "ramp/ops.h"
#include "ramp/optim.h"
#include "ramp/random.h"

using namespace ramp;
namespace dist = ramp::distributed;

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

void train(const std::string& kind, int epochs, const data::ImagesLabels& train_set, const data::ImagesLabels& test_set,
           bool distributed) {
  manual_seed(0);
  auto replica = make_model(kind);
  const int rank = distributed ? dist::get_rank() : 0;
  if (rank == 0) std::printf("%s\n", replica->repr().c_str());
  // rank 0's weights everywhere; gradients averaged over the ranks in backward
  auto model = distributed ? std::make_shared<nn::parallel::DistributedDataParallel>(replica) : replica;
  optim::SGD opt(model->parameters(), {.lr = 0.05, .momentum = 0.9});
  optim::StepLR schedule(opt, /*step_size=*/2, /*gamma=*/0.5);
  // Data-parallel: this rank's DistributedSampler share (1.13's rule; reshuffled by set_epoch).
  std::shared_ptr<data::DistributedSampler> sampler;
  if (distributed) sampler = std::make_shared<data::DistributedSampler>(train_set.labels.size(0));
  data::DataLoader loader = distributed ? data::DataLoader(train_set.images, train_set.labels, 64, sampler)
                                        : data::DataLoader(train_set.images, train_set.labels, /*batch_size=*/64,
                                                           /*shuffle=*/true, /*seed=*/0);
  for (int epoch = 1; epoch <= epochs; ++epoch) {
    auto start = std::chrono::steady_clock::now();
    double loss_sum = 0;
    std::int64_t right = 0, seen = 0;
    if (sampler) sampler->set_epoch(epoch);
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
    if (rank != 0) continue;  // rank 0 reports its share's loss and accuracy, and tests its replica
    const std::string ranks = distributed ? " x" + std::to_string(dist::get_world_size()) + " ranks" : "";
    std::printf("[%s%s] epoch %d/%d  loss %.4f  train acc %.2f%%  test acc %.2f%%  time %.1f s\n", kind.c_str(),
                ranks.c_str(), epoch, epochs, loss_sum / double(seen), 100.0 * double(right) / double(seen),
                accuracy(*replica, test_set.images, test_set.labels), seconds);
    std::fflush(stdout);
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> positional;
  bool distributed = false;
  std::int64_t limit = -1;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--distributed") distributed = true;
    else if (a == "--limit" && i + 1 < argc) limit = std::atoll(argv[++i]);
    else positional.push_back(a);
  }
  std::string which = !positional.empty() ? positional[0] : "both";
  if ((which != "mlp" && which != "cnn" && which != "both") || positional.size() > 2) {
    std::fprintf(stderr, "usage: %s [mlp|cnn|both] [epochs] [--limit N] [--distributed]\n", argv[0]);
    return 2;
  }
  try {
    if (distributed) dist::init_process_group("gloo", "env://");
    auto train_set = data::load_fashion_mnist(true), test_set = data::load_fashion_mnist(false);
    if (limit > 0)
      for (auto* set : {&train_set, &test_set}) {
        set->images = set->images.narrow(0, 0, std::min(limit, set->images.size(0)));
        set->labels = set->labels.narrow(0, 0, std::min(limit, set->labels.size(0)));
      }
    if (!distributed || dist::get_rank() == 0)
      std::printf("Fashion-MNIST: %lld training and %lld test images\n",
                  static_cast<long long>(train_set.labels.size(0)), static_cast<long long>(test_set.labels.size(0)));
    for (std::string kind : {"mlp", "cnn"}) {
      if (which != "both" && which != kind) continue;
      int epochs = positional.size() > 1 ? std::atoi(positional[1].c_str()) : kind == "mlp" ? 5 : 1;
      train(kind, epochs, train_set, test_set, distributed);
    }
    if (distributed) dist::destroy_process_group();
  } catch (const Error& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
}
