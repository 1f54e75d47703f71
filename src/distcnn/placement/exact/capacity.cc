#include "distcnn/placement/exact/capacity.h"

namespace distcnn::exact {

Capacity::Capacity(const CostModel& model)
    : num_units_(model.num_units()), layer_limit_(model.layer_limit()) {
  for (const Unit& u : model.problem().system.units) {
    memory_.push_back(u.type.memory_bytes);
    max_mults_.push_back(u.type.max_mults);
  }
  for (const Item& it : model.items()) {
    item_memory_.push_back(it.memory_bytes);
    item_mults_.push_back(it.mults);
  }
}

}  // namespace distcnn::exact
