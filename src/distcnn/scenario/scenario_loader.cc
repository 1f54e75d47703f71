#include "distcnn/scenario/scenario_loader.h"

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <utility>

#include "distcnn/base/quantity.h"
#include "distcnn/model/model_loader.h"
#include "distcnn/profile/profiler.h"
#include "distcnn/profile/split_profile.h"
#include "distcnn/scenario/yaml_value.h"
#include "distcnn/system/device_catalogue.h"
#include "distcnn/system/system_builder.h"

namespace distcnn {

namespace {

// ---------------------------------------------------------------------------
// Small string helpers.

std::string Join(const std::vector<std::string>& items, const char* sep = ", ") {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += sep;
    out += items[i];
  }
  return out;
}

size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t subst = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, subst});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

// " (did you mean 'x'?)" when one candidate is close to `word`, else "".
std::string DidYouMean(std::string_view word, const std::vector<std::string>& candidates) {
  const std::string* best = nullptr;
  size_t best_distance = 0;
  for (const std::string& c : candidates) {
    const size_t d = EditDistance(word, c);
    if (!best || d < best_distance) {
      best = &c;
      best_distance = d;
    }
  }
  const size_t limit = std::max<size_t>(1, std::min<size_t>(3, word.size() / 3));
  if (best && best_distance <= limit) return " (did you mean '" + *best + "'?)";
  return "";
}

// "unknown X 'w' (did you mean 'y'? known: a, b, c)"; long lists are cut.
std::string UnknownName(const std::string& what, const std::string& word,
                        const std::vector<std::string>& known,
                        const std::string& known_label = "known") {
  std::string hint = DidYouMean(word, known);
  if (known.empty()) {
    hint += " (none are defined)";
  } else {
    constexpr size_t kMaxListed = 12;
    std::vector<std::string> listed(known.begin(),
                                    known.begin() + std::min(known.size(), kMaxListed));
    if (known.size() > kMaxListed) listed.push_back("...");
    if (!hint.empty()) hint.pop_back();  // ")"
    hint += hint.empty() ? " (" : " ";
    hint += known_label + ": " + Join(listed) + ")";
  }
  return "unknown " + what + " '" + word + "'" + hint;
}

std::string FileStem(std::string_view path) {
  const size_t slash = path.find_last_of('/');
  std::string_view base = slash == std::string_view::npos ? path : path.substr(slash + 1);
  const size_t dot = base.find_last_of('.');
  if (dot != std::string_view::npos && dot > 0) base = base.substr(0, dot);
  return std::string(base);
}

std::string FormatNumber(double v) {
  std::ostringstream os;
  os.precision(12);
  os << v;
  return os.str();
}

// ---------------------------------------------------------------------------

using Val = YamlValue;

// The fields of one mapping, in file order, after checking kinds, duplicates and
// unknown keys.
class Fields {
 public:
  const Val& self() const { return self_; }
  const Val* Find(std::string_view key) const {
    for (const auto& [k, v] : items_) {
      if (k == key) return &v;
    }
    return nullptr;
  }
  const std::vector<std::pair<std::string, Val>>& items() const { return items_; }

 private:
  friend class Loader;
  Val self_;
  std::vector<std::pair<std::string, Val>> items_;
};

// Where an id of the system was defined.
struct IdInfo {
  enum class Kind { kUnit, kSource, kSink } kind;
  int index = 0;
  std::string path;
  int line = 0;
};

const char* IdKindName(IdInfo::Kind kind) {
  switch (kind) {
    case IdInfo::Kind::kUnit:
      return "a unit";
    case IdInfo::Kind::kSource:
      return "a source";
    case IdInfo::Kind::kSink:
      return "a sink";
  }
  return "";
}

// Records where each YAML document starts; ignores the rest.
class DocumentCounter : public YAML::EventHandler {
 public:
  const std::vector<YAML::Mark>& starts() const { return starts_; }
  void OnDocumentStart(const YAML::Mark& mark) override { starts_.push_back(mark); }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}

 private:
  std::vector<YAML::Mark> starts_;
};

// ---------------------------------------------------------------------------
// The loader: one instance per file.

class Loader {
 public:
  explicit Loader(std::string display_name) : file_(std::move(display_name)) {}

  Result<Scenario> Load(std::string_view text);

 private:
  // Errors -----------------------------------------------------------------
  Status Error(int line, const std::string& path, const std::string& message) const {
    std::string out = file_ + ":" + std::to_string(line) + ": ";
    if (!path.empty()) out += path + ": ";
    return InvalidArgument(out + message);
  }
  Status Error(const Val& v, const std::string& message) const {
    return Error(v.line, v.path, message);
  }

  // Structure ----------------------------------------------------------------
  static Val Child(const Val& parent, const std::string& key, const YAML::Node& node,
                   int key_line) {
    return Val{node, parent.path.empty() ? key : parent.path + "." + key, YamlLine(node, key_line)};
  }

  Result<Fields> Map(const Val& v, const std::vector<std::string>& allowed) const;
  // A mapping whose keys are names (device types, exits): no key check.
  Result<Fields> NamedMap(const Val& v) const { return Map(v, {}); }
  Result<std::vector<Val>> Seq(const Val& v) const;
  Result<Val> Required(const Fields& f, const std::string& key, const std::string& why = "") const;

  // Scalars ------------------------------------------------------------------
  Result<std::string> String(const Val& v) const;
  Result<double> Quantity(const Val& v, QuantityKind kind) const;
  Result<double> NonNegative(const Val& v, QuantityKind kind) const;
  Result<double> Positive(const Val& v, QuantityKind kind) const;
  Result<int64_t> Bytes(const Val& v) const;
  Result<double> Probability(const Val& v) const;
  Result<Position> Pos(const Val& v) const;

  // Sections ---------------------------------------------------------------
  Status LoadDeviceTypes(const Val& v);
  Status LoadTechnology(const Val& v, bool has_links, Technology* out) const;
  Status LoadUnits(const Val& v, SystemSpec* spec);
  Status LoadEndpoints(const Val& v, IdInfo::Kind kind, std::vector<EndpointSpec>* out);
  Status LoadLinks(const Val& v, SystemSpec* spec) const;
  Status LoadCnn(const Val& v, const SystemSpec& spec, Scenario* scenario);
  Status LoadLayers(const Val& v, std::vector<Layer>* layers,
                    std::vector<std::optional<Val>>* exit_vals) const;
  Status LoadShared(const Val& v, Problem* problem) const;
  Result<Partitioning> LoadPartitioning(const Val& v) const;
  Status RegisterId(const std::string& id, IdInfo info);
  std::vector<std::string> IdsOf(IdInfo::Kind kind) const;

  std::string file_;
  std::vector<DeviceType> device_types_;  // built-ins, then the file's
  std::map<std::string, IdInfo> ids_;     // units, sources and sinks
  std::vector<std::pair<std::string, Val>> cnn_names_;
  std::optional<Val> partitioning_;  // the top-level default, for every CNN
};

Result<Fields> Loader::Map(const Val& v, const std::vector<std::string>& allowed) const {
  if (!v.node.IsMap()) {
    return Error(
        v, std::string("expected a mapping ({key: value, ...}), got ") + YamlKindName(v.node));
  }
  Fields f;
  f.self_ = v;
  std::map<std::string, int> seen;  // key -> line
  for (auto it = v.node.begin(); it != v.node.end(); ++it) {
    const YAML::Node key_node = it->first;
    const int key_line = YamlLine(key_node, v.line);
    if (!key_node.IsScalar()) {
      return Error(key_line, v.path,
                   std::string("keys must be plain names, got ") + YamlKindName(key_node));
    }
    const std::string key = key_node.Scalar();
    Val child = Child(v, key, it->second, key_line);
    if (auto s = seen.find(key); s != seen.end()) {
      return Error(key_line, child.path,
                   "duplicate key (first given at line " + std::to_string(s->second) + ")");
    }
    seen[key] = key_line;
    if (!allowed.empty() && std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      std::string hint = DidYouMean(key, allowed);
      if (hint.empty()) hint = " (expected one of: " + Join(allowed) + ")";
      return Error(key_line, child.path, "unknown field '" + key + "'" + hint);
    }
    f.items_.emplace_back(key, std::move(child));
  }
  return f;
}

Result<std::vector<Val>> Loader::Seq(const Val& v) const {
  if (!v.node.IsSequence()) {
    return Error(
        v, std::string("expected a list ([a, b, ...] or '- ' items), got ") + YamlKindName(v.node));
  }
  std::vector<Val> out;
  int i = 0;
  for (auto it = v.node.begin(); it != v.node.end(); ++it, ++i) {
    out.push_back(Val{*it, v.path + "[" + std::to_string(i) + "]", YamlLine(*it, v.line)});
  }
  return out;
}

Result<Val> Loader::Required(const Fields& f, const std::string& key,
                             const std::string& why) const {
  if (const Val* v = f.Find(key)) return *v;
  return Error(f.self(), "missing required field '" + key + "'" + why);
}

Result<std::string> Loader::String(const Val& v) const {
  if (!v.node.IsScalar()) {
    return Error(v, std::string("expected a name (a string), got ") + YamlKindName(v.node));
  }
  std::string s = v.node.Scalar();
  if (s.empty()) return Error(v, "must not be empty");
  return s;
}

Result<double> Loader::Quantity(const Val& v, QuantityKind kind) const {
  if (!v.node.IsScalar()) {
    return Error(v, std::string("expected ") + QuantityKindName(kind) +
                        " (a number, or a string such as '" +
                        (kind == QuantityKind::kBytes ? "512 KiB" : "300e6") + "'), got " +
                        YamlKindName(v.node));
  }
  Result<double> q = ParseQuantity(v.node.Scalar(), kind);
  if (!q.ok()) return Error(v, q.status().message());
  return q;
}

Result<double> Loader::NonNegative(const Val& v, QuantityKind kind) const {
  ASSIGN_OR_RETURN(double x, Quantity(v, kind));
  if (x < 0) return Error(v, "must be >= 0, got '" + v.node.Scalar() + "'");
  return x;
}

Result<double> Loader::Positive(const Val& v, QuantityKind kind) const {
  ASSIGN_OR_RETURN(double x, Quantity(v, kind));
  if (!(x > 0)) return Error(v, "must be > 0, got '" + v.node.Scalar() + "'");
  return x;
}

Result<int64_t> Loader::Bytes(const Val& v) const {
  ASSIGN_OR_RETURN(double x, NonNegative(v, QuantityKind::kBytes));
  if (!(x < 9223372036854775808.0)) return Error(v, "too large for a size in bytes");
  return static_cast<int64_t>(std::llround(x));
}

Result<double> Loader::Probability(const Val& v) const {
  ASSIGN_OR_RETURN(double x, Quantity(v, QuantityKind::kDimensionless));
  if (!(x >= 0 && x <= 1)) {
    return Error(v, "a probability must be in [0, 1], got '" + v.node.Scalar() + "'");
  }
  return x;
}

Result<Position> Loader::Pos(const Val& v) const {
  ASSIGN_OR_RETURN(std::vector<Val> xy, Seq(v));
  if (xy.size() != 2) {
    return Error(v, "expected a position [x, y] in metres, got a list of " +
                        std::to_string(xy.size()) + " items");
  }
  Position p;
  ASSIGN_OR_RETURN(p.x_m, Quantity(xy[0], QuantityKind::kLengthM));
  ASSIGN_OR_RETURN(p.y_m, Quantity(xy[1], QuantityKind::kLengthM));
  return p;
}

Status Loader::RegisterId(const std::string& id, IdInfo info) {
  auto [it, inserted] = ids_.emplace(id, info);
  if (!inserted) {
    return Error(info.line, info.path,
                 "duplicate id '" + id + "' (already " + IdKindName(it->second.kind) + ", " +
                     it->second.path + " at line " + std::to_string(it->second.line) +
                     "; ids of units, sources and sinks must be distinct)");
  }
  return Status::Ok();
}

std::vector<std::string> Loader::IdsOf(IdInfo::Kind kind) const {
  std::vector<std::pair<int, std::string>> found;
  for (const auto& [id, info] : ids_) {
    if (info.kind == kind) found.emplace_back(info.index, id);
  }
  std::sort(found.begin(), found.end());
  std::vector<std::string> out;
  for (auto& [index, id] : found) out.push_back(std::move(id));
  return out;
}

Status Loader::LoadDeviceTypes(const Val& v) {
  ASSIGN_OR_RETURN(Fields types, NamedMap(v));
  for (const auto& [name, tv] : types.items()) {
    ASSIGN_OR_RETURN(Fields f, Map(tv, {"memory_bytes", "mults_per_s", "max_mults"}));
    auto existing =
        std::find_if(device_types_.begin(), device_types_.end(),
                     [&type_name = name](const DeviceType& t) { return t.name == type_name; });
    const bool is_override = existing != device_types_.end();
    // A built-in type may be overridden field by field; a new one needs both
    // memory_bytes and mults_per_s.
    DeviceType t = is_override ? *existing : DeviceType{name, 0, 0};
    if (is_override) t.max_mults = existing->max_mults;
    const std::string why = is_override ? "" : " (a new device type needs it)";
    if (const Val* m = f.Find("memory_bytes")) {
      ASSIGN_OR_RETURN(t.memory_bytes, Bytes(*m));
    } else if (!is_override) {
      return Required(f, "memory_bytes", why).status();
    }
    if (const Val* e = f.Find("mults_per_s")) {
      ASSIGN_OR_RETURN(t.mults_per_s, Positive(*e, QuantityKind::kMultsPerS));
    } else if (!is_override) {
      return Required(f, "mults_per_s", why).status();
    }
    if (const Val* c = f.Find("max_mults")) {
      ASSIGN_OR_RETURN(t.max_mults, NonNegative(*c, QuantityKind::kMults));
    }
    if (is_override) {
      *existing = t;
    } else {
      device_types_.push_back(t);
    }
  }
  return Status::Ok();
}

Status Loader::LoadTechnology(const Val& v, bool has_links, Technology* out) const {
  if (v.node.IsScalar()) {
    ASSIGN_OR_RETURN(std::string name, String(v));
    if (std::optional<Technology> t = FindBuiltinTechnology(name)) {
      *out = *t;
      return Status::Ok();
    }
    std::vector<std::string> known;
    for (const Technology& t : BuiltinTechnologies()) known.push_back(t.name);
    return Error(
        v, UnknownName("technology", name, known) + "; or give {rate_bps: ..., range_m: ...}");
  }
  if (!v.node.IsMap()) {
    return Error(v, std::string("expected a technology name or {rate_bps: ..., range_m: ...}, "
                                "got ") +
                        YamlKindName(v.node));
  }
  ASSIGN_OR_RETURN(Fields f, Map(v, {"rate_bps", "range_m"}));
  out->name = "custom";
  ASSIGN_OR_RETURN(Val rate, Required(f, "rate_bps"));
  ASSIGN_OR_RETURN(out->rate_bps, Positive(rate, QuantityKind::kRateBps));
  if (const Val* range = f.Find("range_m")) {
    ASSIGN_OR_RETURN(out->range_m, NonNegative(*range, QuantityKind::kLengthM));
  } else if (!has_links) {
    return Required(f, "range_m", " (adjacency comes from the range when there are no links)")
        .status();
  }
  return Status::Ok();
}

Status Loader::LoadUnits(const Val& v, SystemSpec* spec) {
  ASSIGN_OR_RETURN(std::vector<Val> items, Seq(v));
  std::vector<std::string> known_types;
  for (const DeviceType& t : device_types_) known_types.push_back(t.name);
  for (const Val& item : items) {
    ASSIGN_OR_RETURN(Fields f, Map(item, {"id", "type", "pos"}));
    Unit u;
    ASSIGN_OR_RETURN(Val id, Required(f, "id"));
    ASSIGN_OR_RETURN(u.id, String(id));
    ASSIGN_OR_RETURN(Val type, Required(f, "type"));
    ASSIGN_OR_RETURN(std::string type_name, String(type));
    auto t = std::find_if(device_types_.begin(), device_types_.end(),
                          [&](const DeviceType& d) { return d.name == type_name; });
    if (t == device_types_.end()) {
      return Error(type, UnknownName("device type", type_name, known_types) +
                             "; define new ones under device_types");
    }
    u.type = *t;
    if (const Val* pos = f.Find("pos")) {
      ASSIGN_OR_RETURN(u.pos, Pos(*pos));
    }
    RETURN_IF_ERROR(RegisterId(
        u.id, IdInfo{IdInfo::Kind::kUnit, static_cast<int>(spec->units.size()), id.path, id.line}));
    spec->units.push_back(std::move(u));
  }
  return Status::Ok();
}

Status Loader::LoadEndpoints(const Val& v, IdInfo::Kind kind, std::vector<EndpointSpec>* out) {
  ASSIGN_OR_RETURN(std::vector<Val> items, Seq(v));
  for (const Val& item : items) {
    ASSIGN_OR_RETURN(Fields f, Map(item, {"id", "pos", "at"}));
    EndpointSpec e;
    ASSIGN_OR_RETURN(Val id, Required(f, "id"));
    ASSIGN_OR_RETURN(e.id, String(id));
    const Val* pos = f.Find("pos");
    const Val* at = f.Find("at");
    if (pos && at) return Error(*at, "give either pos or at, not both");
    if (pos) {
      ASSIGN_OR_RETURN(e.pos, Pos(*pos));
    }
    if (at) {
      ASSIGN_OR_RETURN(std::string unit, String(*at));
      auto it = ids_.find(unit);
      if (it == ids_.end()) {
        return Error(*at, UnknownName("unit", unit, IdsOf(IdInfo::Kind::kUnit), "units"));
      }
      if (it->second.kind != IdInfo::Kind::kUnit) {
        return Error(*at,
                     "'" + unit + "' is " + IdKindName(it->second.kind) + "; at: must name a unit");
      }
      e.at = unit;
    }
    RETURN_IF_ERROR(
        RegisterId(e.id, IdInfo{kind, static_cast<int>(out->size()), id.path, id.line}));
    out->push_back(std::move(e));
  }
  return Status::Ok();
}

Status Loader::LoadLinks(const Val& v, SystemSpec* spec) const {
  ASSIGN_OR_RETURN(std::vector<Val> items, Seq(v));
  std::vector<std::string> known;
  for (const auto& [id, info] : ids_) known.push_back(id);
  std::vector<std::pair<std::string, std::string>> links;
  for (const Val& item : items) {
    ASSIGN_OR_RETURN(std::vector<Val> ends, Seq(item));
    if (ends.size() != 2) {
      return Error(item, "a link joins exactly two ids, e.g. [n01, n02]; got " +
                             std::to_string(ends.size()));
    }
    std::string id[2];
    for (int k = 0; k < 2; ++k) {
      ASSIGN_OR_RETURN(id[k], String(ends[k]));
      if (!ids_.count(id[k])) {
        return Error(ends[k], UnknownName("id", id[k], known, "units, sources and sinks"));
      }
    }
    if (id[0] == id[1])
      return Error(item, "a link joins two different ids, got '" + id[0] + "' twice");
    links.emplace_back(id[0], id[1]);
  }
  spec->links = std::move(links);
  return Status::Ok();
}

Status Loader::LoadLayers(const Val& v, std::vector<Layer>* layers,
                          std::vector<std::optional<Val>>* exit_vals) const {
  ASSIGN_OR_RETURN(std::vector<Val> items, Seq(v));
  if (items.empty()) return Error(v, "a CNN needs at least one layer");
  std::map<std::string, int> seen;  // name -> line
  for (const Val& item : items) {
    ASSIGN_OR_RETURN(Fields f,
                     Map(item, {"name", "memory_bytes", "mults", "output_bytes", "exit_prob"}));
    Layer l;
    ASSIGN_OR_RETURN(Val name, Required(f, "name"));
    ASSIGN_OR_RETURN(l.name, String(name));
    if (auto s = seen.find(l.name); s != seen.end()) {
      return Error(name, "duplicate layer name '" + l.name + "' (first at line " +
                             std::to_string(s->second) + ")");
    }
    seen[l.name] = name.line;
    ASSIGN_OR_RETURN(Val memory, Required(f, "memory_bytes"));
    ASSIGN_OR_RETURN(l.memory_bytes, Bytes(memory));
    ASSIGN_OR_RETURN(Val mults, Required(f, "mults"));
    ASSIGN_OR_RETURN(l.mults, NonNegative(mults, QuantityKind::kMults));
    ASSIGN_OR_RETURN(Val output, Required(f, "output_bytes"));
    ASSIGN_OR_RETURN(l.output_bytes, Bytes(output));
    std::optional<Val> exit_val;
    if (const Val* e = f.Find("exit_prob")) {
      ASSIGN_OR_RETURN(l.exit_prob, Probability(*e));
      exit_val = *e;
    }
    layers->push_back(std::move(l));
    exit_vals->push_back(std::move(exit_val));
  }
  return Status::Ok();
}

Status Loader::LoadCnn(const Val& v, const SystemSpec& spec, Scenario* scenario) {
  ASSIGN_OR_RETURN(Fields f, Map(v, {"name", "source", "sink", "input_bytes", "decision_bytes",
                                     "model", "exits", "layers", "partitioning"}));
  Cnn cnn;
  ASSIGN_OR_RETURN(Val name, Required(f, "name"));
  ASSIGN_OR_RETURN(cnn.name, String(name));
  if (cnn.name.find('.') != std::string::npos) {
    return Error(name, "a CNN name must not contain '.' (shared layers are named cnn.layer)");
  }
  for (const auto& [other, other_val] : cnn_names_) {
    if (other == cnn.name) {
      return Error(name, "duplicate CNN name '" + cnn.name + "' (first at line " +
                             std::to_string(other_val.line) + ")");
    }
  }
  cnn_names_.emplace_back(cnn.name, name);

  // Source and sink.
  auto endpoint = [&](const Val& ev, IdInfo::Kind kind, int* index) -> Status {
    ASSIGN_OR_RETURN(std::string id, String(ev));
    const char* what = kind == IdInfo::Kind::kSource ? "source" : "sink";
    auto it = ids_.find(id);
    if (it == ids_.end()) {
      return Error(ev, UnknownName(what, id, IdsOf(kind),
                                   kind == IdInfo::Kind::kSource ? "sources" : "sinks"));
    }
    if (it->second.kind != kind) {
      return Error(ev, "'" + id + "' is " + IdKindName(it->second.kind) + ", not " +
                           (kind == IdInfo::Kind::kSource ? "a source" : "a sink"));
    }
    *index = it->second.index;
    return Status::Ok();
  };
  ASSIGN_OR_RETURN(Val source, Required(f, "source"));
  RETURN_IF_ERROR(endpoint(source, IdInfo::Kind::kSource, &cnn.source));
  if (const Val* sink = f.Find("sink")) {
    RETURN_IF_ERROR(endpoint(*sink, IdInfo::Kind::kSink, &cnn.sink));
  } else if (spec.sinks.size() == 1) {
    cnn.sink = 0;
  } else {
    const std::vector<std::string> sinks = IdsOf(IdInfo::Kind::kSink);
    return Required(f, "sink",
                    sinks.empty() ? std::string(" (and no sinks are defined)")
                                  : " (it may be omitted only when there is exactly one sink; "
                                    "sinks: " +
                                        Join(sinks) + ")")
        .status();
  }

  // Layers: from `layers` (the profile, which wins when both are given) or
  // from `model`.
  const Val* model = f.Find("model");
  const Val* layers = f.Find("layers");
  std::vector<std::optional<Val>> exit_vals;  // per layer: where exit_prob was given
  std::optional<int64_t> model_input_bytes;
  std::vector<std::string> gates;  // the model's early-exit layers
  std::string model_name;
  std::vector<Layer> model_layers;
  std::vector<LayerSplit> model_splits;
  // The CNN's own partitioning wins over the top-level one.
  const Val* partitioning = f.Find("partitioning");
  if (!partitioning && partitioning_) partitioning = &*partitioning_;
  if (partitioning) {
    ASSIGN_OR_RETURN(cnn.partitioning, LoadPartitioning(*partitioning));
  }
  if (!model && !layers) {
    return Error(v, "a CNN needs layers, or a model (zoo:NAME or an .onnx file)");
  }
  if (model) {
    // zoo:NAME or an ONNX file relative to the scenario file, profiled into
    // placeable layers (docs/models.md).
    ASSIGN_OR_RETURN(model_name, String(*model));
    std::string model_spec = model_name;
    if (model_spec.rfind("zoo:", 0) != 0) {
      const std::filesystem::path path(model_spec);
      if (path.is_relative()) {
        model_spec = (std::filesystem::path(file_).parent_path() / path).string();
      }
    }
    ModelLoadOptions options;
    options.keep_weights = false;
    Result<Graph> graph = LoadModel(model_spec, options);
    if (!graph.ok()) return Error(*model, graph.status().message());
    Result<ModelProfile> profile = ProfileGraph(*graph, Granularity::kLayer);
    if (!profile.ok()) return Error(*model, model_name + ": " + profile.status().message());
    if (cnn.partitioning.enabled()) {
      Result<std::vector<LayerSplit>> splits = ProfileLayerSplits(*graph, *profile);
      if (!splits.ok()) return Error(*model, model_name + ": " + splits.status().message());
      model_splits = *std::move(splits);
    }
    for (const LayerProfile& l : profile->layers) {
      model_layers.push_back(Layer{l.name, l.weight_bytes, l.mults, l.output_bytes, 0.0});
      if (l.exit) gates.push_back(l.name);
    }
    model_input_bytes = profile->input_bytes;
  }
  if (layers) {
    RETURN_IF_ERROR(LoadLayers(*layers, &cnn.layers, &exit_vals));
    if (model) {
      // With a model, `layers` is that model's profile: same layers, same order.
      std::vector<std::string> expected;
      for (const Layer& l : model_layers) expected.push_back(l.name);
      const std::string why = "; with model:, layers give the profile of the model's layers (" +
                              Join(expected) + "), in order";
      if (cnn.layers.size() != model_layers.size()) {
        return Error(*layers, std::to_string(cnn.layers.size()) + " layers, but " + model_name +
                                  " has " + std::to_string(model_layers.size()) + why);
      }
      ASSIGN_OR_RETURN(std::vector<Val> items, Seq(*layers));
      for (size_t j = 0; j < model_layers.size(); ++j) {
        if (cnn.layers[j].name != model_layers[j].name) {
          return Error(items[j], "layer '" + cnn.layers[j].name + "' is not layer " +
                                     std::to_string(j) + " of " + model_name + " ('" +
                                     model_layers[j].name + "')" + why);
        }
      }
    }
  } else {
    cnn.layers = std::move(model_layers);
    exit_vals.resize(cnn.layers.size());
  }
  // Splits are priced from the model graph (docs/cost-model.md), so they need
  // one, and a table given next to it must not price a layer differently.
  if (cnn.partitioning.enabled()) {
    if (!model) {
      return Error(*partitioning,
                   "CNN '" + cnn.name +
                       "' is given only as a layer table; splitting a layer needs its structure: "
                       "give model: zoo:NAME or an .onnx file");
    }
    for (size_t j = 0; j < cnn.layers.size(); ++j) {
      const Layer& mine = cnn.layers[j];
      const Layer& theirs = model_layers.empty() ? mine : model_layers[j];
      if (mine.memory_bytes != theirs.memory_bytes || mine.mults != theirs.mults ||
          mine.output_bytes != theirs.output_bytes) {
        return Error(*layers,
                     "layer '" + mine.name + "' differs from " + model_name +
                         "'s profile; with partitioning on, the layers a split prices "
                         "must be the model's (omit layers:, or give the model's figures)");
      }
      cnn.layers[j].split = model_splits[j];
    }
  }

  // Exit probabilities by layer name.
  if (const Val* exits = f.Find("exits")) {
    ASSIGN_OR_RETURN(Fields e, NamedMap(*exits));
    for (const auto& [layer_name, pv] : e.items()) {
      auto it =
          std::find_if(cnn.layers.begin(), cnn.layers.end(),
                       [&exit_layer = layer_name](const Layer& l) { return l.name == exit_layer; });
      if (it == cnn.layers.end()) {
        std::vector<std::string> names;
        for (const Layer& l : cnn.layers) names.push_back(l.name);
        return Error(pv, UnknownName("layer", layer_name, names, "layers of '" + cnn.name + "'"));
      }
      const size_t j = static_cast<size_t>(it - cnn.layers.begin());
      ASSIGN_OR_RETURN(double prob, Probability(pv));
      if (exit_vals[j] && prob != it->exit_prob) {
        return Error(pv, "exit probability " + FormatNumber(prob) + " of layer '" + layer_name +
                             "' contradicts " + exit_vals[j]->path + " = " +
                             FormatNumber(it->exit_prob) + " (line " +
                             std::to_string(exit_vals[j]->line) + ")");
      }
      it->exit_prob = prob;
      exit_vals[j] = pv;
    }
  }
  for (const std::string& gate : gates) {
    for (size_t j = 0; j < cnn.layers.size(); ++j) {
      if (cnn.layers[j].name == gate && !exit_vals[j]) {
        return Error(*model, model_name + " has the gate layer '" + gate +
                                 "': give its exit probability, e.g. exits: {" + gate + ": 0.99}");
      }
    }
  }

  // Sizes.
  if (const Val* in = f.Find("input_bytes")) {
    ASSIGN_OR_RETURN(cnn.input_bytes, Bytes(*in));
  } else if (model_input_bytes) {
    cnn.input_bytes = *model_input_bytes;
  } else {
    return Required(f, "input_bytes").status();
  }
  if (const Val* d = f.Find("decision_bytes")) {
    ASSIGN_OR_RETURN(cnn.decision_bytes, Bytes(*d));
  } else {
    cnn.decision_bytes = cnn.layers.back().output_bytes;
  }
  scenario->problem.cnns.push_back(std::move(cnn));
  scenario->cnn_models.push_back(model_name);
  return Status::Ok();
}

Result<Partitioning> Loader::LoadPartitioning(const Val& v) const {
  ASSIGN_OR_RETURN(Fields f, Map(v, {"kinds", "max_parts", "granules", "shares"}));
  Partitioning out;
  ASSIGN_OR_RETURN(Val kinds, Required(f, "kinds", " (e.g. kinds: [out_channels, in_channels])"));
  ASSIGN_OR_RETURN(std::vector<Val> items, Seq(kinds));
  if (items.empty()) return Error(kinds, "list at least one kind, or omit partitioning");
  for (const Val& item : items) {
    ASSIGN_OR_RETURN(std::string name, String(item));
    Result<PartitionKind> kind = ParsePartitionKind(name);
    if (!kind.ok() || *kind == PartitionKind::kWhole) {
      return Error(item, UnknownName("partition kind", name,
                                     {"out_channels", "in_channels", "fused", "spatial"}, "use"));
    }
    if (!out.allows(*kind)) out.kinds.push_back(*kind);
  }
  auto whole_number = [&](const char* key, int* dst, const char* why) -> Status {
    const Val* n = f.Find(key);
    if (!n) return Status::Ok();
    ASSIGN_OR_RETURN(double x, Quantity(*n, QuantityKind::kDimensionless));
    if (!(x >= 2) || x != std::floor(x) || x > 64) {
      return Error(*n, std::string("must be a whole number from 2 to 64 (") + why + "), got '" +
                           n->node.Scalar() + "'");
    }
    *dst = static_cast<int>(x);
    return Status::Ok();
  };
  RETURN_IF_ERROR(whole_number("max_parts", &out.max_parts, "the most parts of one split layer"));
  RETURN_IF_ERROR(whole_number("granules", &out.granules, "the shares of a split sum to it"));
  if (const Val* shares = f.Find("shares")) {
    ASSIGN_OR_RETURN(std::string name, String(*shares));
    if (name != "any" && name != "equal") {
      return Error(*shares, UnknownName("shares", name, {"any", "equal"}, "use"));
    }
    out.equal_shares = name == "equal";
  }
  return out;
}

Status Loader::LoadShared(const Val& v, Problem* problem) const {
  ASSIGN_OR_RETURN(std::vector<Val> groups, Seq(v));
  std::map<std::pair<int, int>, Val> used;  // layer -> where it was named
  for (const Val& gv : groups) {
    ASSIGN_OR_RETURN(std::vector<Val> refs, Seq(gv));
    if (refs.size() < 2) {
      return Error(gv, "a shared group lists at least two layers, e.g. [gc6.L1, gc6b.L1]");
    }
    std::vector<LayerRef> group;
    for (const Val& rv : refs) {
      ASSIGN_OR_RETURN(std::string ref, String(rv));
      const size_t dot = ref.find('.');
      if (dot == std::string::npos || dot == 0 || dot + 1 == ref.size()) {
        return Error(rv, "expected a layer as cnn.layer (e.g. gc6.L1), got '" + ref + "'");
      }
      const std::string cnn_name = ref.substr(0, dot);
      const std::string layer_name = ref.substr(dot + 1);
      std::vector<std::string> cnn_names;
      int c = -1;
      for (int i = 0; i < static_cast<int>(problem->cnns.size()); ++i) {
        cnn_names.push_back(problem->cnns[i].name);
        if (problem->cnns[i].name == cnn_name) c = i;
      }
      if (c < 0) return Error(rv, UnknownName("CNN", cnn_name, cnn_names, "CNNs"));
      std::vector<std::string> layer_names;
      int j = -1;
      for (int i = 0; i < static_cast<int>(problem->cnns[c].layers.size()); ++i) {
        layer_names.push_back(problem->cnns[c].layers[i].name);
        if (layer_names.back() == layer_name) j = i;
      }
      if (j < 0) {
        return Error(rv,
                     UnknownName("layer", layer_name, layer_names, "layers of '" + cnn_name + "'"));
      }
      auto [it, inserted] = used.emplace(std::make_pair(c, j), rv);
      if (!inserted) {
        return Error(rv, "layer " + ref + " is already shared at " + it->second.path + " (line " +
                             std::to_string(it->second.line) +
                             "); a layer belongs to at most one group");
      }
      const LayerRef r{c, j};
      if (!group.empty()) {
        const LayerRef first = group.front();
        const Layer& a = problem->layer(first);
        Layer& b = problem->cnns[c].layers[j];
        std::string diff;
        if (a.memory_bytes != b.memory_bytes) {
          diff = "memory_bytes (" + std::to_string(b.memory_bytes) + " vs " +
                 std::to_string(a.memory_bytes) + ")";
        } else if (std::fabs(a.mults - b.mults) > 5e-3 * std::max(std::fabs(a.mults), 1.0)) {
          // Multiplications written in a file are usually rounded to three
          // significant digits (the paper's 3.81 M for a model's exact 3813376),
          // so they match within 0.5 %; bytes must match exactly.
          diff = "mults (" + FormatNumber(b.mults) + " vs " + FormatNumber(a.mults) + ")";
        } else if (a.output_bytes != b.output_bytes) {
          diff = "output_bytes (" + std::to_string(b.output_bytes) + " vs " +
                 std::to_string(a.output_bytes) + ")";
        }
        if (!diff.empty()) {
          return Error(rv, "shared layers " + ref + " and " + problem->LayerName(first) +
                               " differ in " + diff +
                               "; layers sharing weights must have identical memory_bytes, "
                               "mults and output_bytes");
        }
        b.mults = a.mults;  // equal up to rounding of the text: make them identical
      }
      group.push_back(r);
    }
    problem->shared.push_back(std::move(group));
  }
  return Status::Ok();
}

Result<Scenario> Loader::Load(std::string_view text) {
  const std::string buffer(text);
  std::vector<YAML::Mark> documents;
  YAML::Node document;
  try {
    // A bounded pass over the documents first: yaml-cpp 0.7's LoadAll loops
    // forever, allocating, on a stray ',' after a block (upstream issue #1040).
    std::istringstream in(buffer);
    YAML::Parser parser(in);
    DocumentCounter counter;
    for (int i = 0; i < 2 && parser.HandleNextDocument(counter); ++i) {
    }
    documents = counter.starts();
    if (documents.size() == 1) document = YAML::Load(buffer);
  } catch (const YAML::DeepRecursion& e) {
    return Error(e.mark.is_null() || e.mark.line < 0 ? 1 : e.mark.line + 1, "",
                 "YAML syntax error: nesting too deep");
  } catch (const YAML::Exception& e) {
    const int line = e.mark.is_null() || e.mark.line < 0 ? 1 : e.mark.line + 1;
    return Error(line, "", "YAML syntax error: " + e.msg);
  }
  if (documents.size() > 1) {
    const YAML::Mark& second = documents[1];
    return Error(second.is_null() || second.line < 0 ? 1 : second.line + 1, "",
                 "a scenario file holds one YAML document; unexpected content after the first "
                 "(a second document, or a stray character)");
  }
  if (documents.empty() || document.IsNull()) {
    return Error(1, "",
                 "the file is empty; expected a mapping with technology, units, sources, sinks "
                 "and cnns");
  }
  const Val root{document, "", YamlLine(document, 1)};
  if (!root.node.IsMap()) {
    return Error(root, std::string("expected a mapping (technology:, units:, cnns:, ...) at the "
                                   "top level, got ") +
                           YamlKindName(root.node));
  }
  ASSIGN_OR_RETURN(Fields top,
                   Map(root, {"name", "max_layers_per_unit", "objective", "cost_convention",
                              "technology", "device_types", "units", "links", "sources", "sinks",
                              "cnns", "shared", "partitioning"}));
  if (const Val* v = top.Find("partitioning")) partitioning_ = *v;
  Scenario scenario;
  scenario.path = file_;
  Problem& problem = scenario.problem;
  problem.name = FileStem(file_);
  if (const Val* v = top.Find("name")) {
    ASSIGN_OR_RETURN(problem.name, String(*v));
  }
  if (const Val* v = top.Find("max_layers_per_unit")) {
    ASSIGN_OR_RETURN(double l, Quantity(*v, QuantityKind::kDimensionless));
    if (!(l >= 1) || l != std::floor(l) || l > 1e9) {
      return Error(
          *v, "must be a whole number >= 1 (omit it for no limit), got '" + v->node.Scalar() + "'");
    }
    problem.max_layers_per_unit = static_cast<int>(l);
  }
  if (const Val* v = top.Find("objective")) {
    ASSIGN_OR_RETURN(std::string o, String(*v));
    if (o == "sum") {
      problem.objective = Objective::kSum;
    } else if (o == "max") {
      problem.objective = Objective::kMax;
    } else {
      return Error(*v, UnknownName("objective", o, {"sum", "max"}, "use"));
    }
  }
  if (const Val* v = top.Find("cost_convention")) {
    ASSIGN_OR_RETURN(std::string c, String(*v));
    if (c == "paper") {
      problem.cost_convention = CostConvention::kPaper;
    } else if (c == "published-v1") {
      problem.cost_convention = CostConvention::kPublishedV1;
    } else {
      return Error(*v, UnknownName("cost convention", c, {"paper", "published-v1"}, "use"));
    }
  }

  device_types_ = BuiltinDeviceTypes();
  if (const Val* v = top.Find("device_types")) RETURN_IF_ERROR(LoadDeviceTypes(*v));

  SystemSpec spec;
  const Val* links = top.Find("links");
  scenario.has_links = links != nullptr;
  ASSIGN_OR_RETURN(Val technology, Required(top, "technology",
                                            " (wifi4, halow, or "
                                            "{rate_bps: ..., range_m: ...})"));
  RETURN_IF_ERROR(LoadTechnology(technology, scenario.has_links, &spec.technology));

  ASSIGN_OR_RETURN(Val units, Required(top, "units"));
  RETURN_IF_ERROR(LoadUnits(units, &spec));
  ASSIGN_OR_RETURN(Val sources, Required(top, "sources"));
  RETURN_IF_ERROR(LoadEndpoints(sources, IdInfo::Kind::kSource, &spec.sources));
  ASSIGN_OR_RETURN(Val sinks, Required(top, "sinks"));
  RETURN_IF_ERROR(LoadEndpoints(sinks, IdInfo::Kind::kSink, &spec.sinks));
  if (links) RETURN_IF_ERROR(LoadLinks(*links, &spec));

  // Without links, adjacency comes from positions: every vertex needs one.
  if (!links) {
    auto need_pos = [&](const std::string& id, bool has_pos) -> Status {
      if (has_pos) return Status::Ok();
      const IdInfo& info = ids_.at(id);
      const std::string item = info.path.substr(0, info.path.rfind('.'));
      return Error(info.line, item,
                   "missing field 'pos' (needed for adjacency by range when there are no links" +
                       std::string(info.kind == IdInfo::Kind::kUnit ? "" : "; or give at: UNIT") +
                       ")");
    };
    for (const Unit& u : spec.units) RETURN_IF_ERROR(need_pos(u.id, u.pos.has_value()));
    for (const auto* list : {&spec.sources, &spec.sinks}) {
      for (const EndpointSpec& e : *list) {
        RETURN_IF_ERROR(need_pos(e.id, e.pos.has_value() || e.at.has_value()));
      }
    }
  }

  ASSIGN_OR_RETURN(Val cnns, Required(top, "cnns"));
  ASSIGN_OR_RETURN(std::vector<Val> cnn_items, Seq(cnns));
  if (cnn_items.empty()) return Error(cnns, "at least one CNN is required");
  for (const Val& item : cnn_items) RETURN_IF_ERROR(LoadCnn(item, spec, &scenario));
  if (const Val* v = top.Find("shared")) RETURN_IF_ERROR(LoadShared(*v, &problem));

  // Everything was checked above with lines; these are backstops.
  Result<IoTSystem> system = BuildSystem(spec);
  if (!system.ok()) return system.status().WithContext(file_);
  problem.system = std::move(system).value();
  RETURN_IF_ERROR(ValidateProblem(problem).WithContext(file_));
  return scenario;
}

}  // namespace

Result<Scenario> LoadScenarioText(std::string_view text, std::string_view display_name) {
  // yaml-cpp reports errors by exceptions; none may escape this adapter.
  try {
    Loader loader{std::string(display_name)};
    return loader.Load(text);
  } catch (const YAML::Exception& e) {
    const int line = e.mark.is_null() || e.mark.line < 0 ? 1 : e.mark.line + 1;
    return InvalidArgument(std::string(display_name) + ":" + std::to_string(line) + ": " + e.msg);
  } catch (const std::exception& e) {
    return InternalError(std::string(display_name) + ": unexpected error: " + e.what());
  }
}

Result<Scenario> LoadScenarioFile(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    return IoError(path + ": is a directory, not a scenario file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int err = errno;
    return Status(err == ENOENT ? StatusCode::kNotFound : StatusCode::kIoError,
                  path + ": cannot open the scenario file: " + std::strerror(err));
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) return IoError(path + ": cannot read the scenario file");
  return LoadScenarioText(buffer.str(), path);
}

}  // namespace distcnn
