// The study's training loop (see train.h).
#include "train.h"

#include <chrono>
#include <cmath>

#include "ramp/autograd.h"
#include "ramp/data.h"
#include "ramp/diagnostics.h"
#include "ramp/nn/loss.h"
#include "ramp/nn/utils.h"
#include "ramp/ops.h"
#include "ramp/random.h"
#include "ramp/reduce.h"

namespace ramp::study {

namespace {
struct Data {
  Tensor x, y, test_x, test_y;
};
// Fashion-MNIST once per process, flattened to [N, 784].
const Data& fashion() {
  static const Data d = [] {
    auto tr = data::load_fashion_mnist(true), te = data::load_fashion_mnist(false);
    return Data{tr.images.reshape({-1, 784}), tr.labels, te.images.reshape({-1, 784}), te.labels};
  }();
  return d;
}

// The first `s.train_images` of `images` (or test_images, for the test set), standardised with the
// training set's mean and std when asked.
Tensor inputs(const Tensor& images, const TrainSpec& s, bool test = false) {
  Tensor x = images.narrow(0, 0, test ? s.test_images : s.train_images);
  if (!s.normalize) return x;
  static const Tensor mean = ramp::mean(fashion().x), sd = ramp::std(fashion().x);
  return x.sub(mean).div(sd);
}

}  // namespace

std::pair<Tensor, Tensor> train_set(const TrainSpec& s) { return {inputs(fashion().x, s), fashion().y.narrow(0, 0, s.train_images)}; }

Tensor test_inputs(const TrainSpec& s) { return inputs(fashion().test_x, s, true); }

TrainResult train(const TrainSpec& s) {
  const auto [x, y] = train_set(s);
  const Tensor tx = test_inputs(s), ty = fashion().test_y.narrow(0, 0, s.test_images);
  manual_seed(s.seed);
  auto model = s.build();
  std::unique_ptr<optim::Optimizer> made;
  if (s.adam) made = std::make_unique<optim::Adam>(model->parameters(), optim::AdamOptions{.lr = s.lr});
  else made = std::make_unique<optim::SGD>(model->parameters(), optim::SGDOptions{.lr = s.lr});
  optim::Optimizer& opt = *made;
  auto sched = s.schedule ? s.schedule(opt) : nullptr;
  diagnostics::Options mo;
  mo.every = 10;  // zero fractions from every tenth step; dead units from every step (the mask)
  diagnostics::Monitor mon(*model, mo);
  TrainResult r;
  r.layers = mon.layer_names();
  const auto start = std::chrono::steady_clock::now();
  for (int e = 0; e < s.epochs; ++e) {
    model->train();
    const Tensor order = randperm(s.train_images);
    double total = 0;
    std::int64_t batches = 0;
    for (std::int64_t b = 0; b + s.batch <= s.train_images; b += s.batch, ++batches) {
      const Tensor idx = order.narrow(0, b, s.batch);
      Tensor loss = cross_entropy((*model)(index_select(x, 0, idx)), index_select(y, 0, idx));
      opt.zero_grad();
      loss.backward();
      if (s.clip > 0 || s.on_grad_norm) {
        const double norm = nn::utils::clip_grad_norm_(model->parameters(), s.clip > 0 ? s.clip : INFINITY).item<double>();
        if (s.on_grad_norm) s.on_grad_norm(norm);
      }
      opt.step();
      const double l = loss.item<double>();
      if (s.on_loss) s.on_loss(l);
      total += l;
      mon.step(l, opt.group_lr(0));
    }
    mon.end_epoch();
    if (sched) sched->step();
    r.loss.push_back(total / double(batches));
    std::vector<double> dead;
    const auto& w = mon.windows().back();
    for (std::size_t i = 0; i < w.dead.size(); ++i) dead.push_back(w.units[i] ? double(w.dead[i]) / double(w.units[i]) : 0);
    r.dead.push_back(dead);
    model->eval();
    mon.pause();  // the test pass must not mark units alive in the next epoch's window
    autograd::NoGradGuard no_grad;
    const Tensor pred = argmax((*model)(tx), 1);
    r.accuracy.push_back(100 * eq(pred, ty).to(ScalarType::Float64).mean().item<double>());
    mon.pause(false);
    if (s.on_epoch) s.on_epoch();
  }
  r.seconds_per_epoch = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() / s.epochs;
  r.model = model;
  return r;
}

}  // namespace ramp::study
