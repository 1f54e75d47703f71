#include "distcnn/report/plan_json.h"

#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "distcnn/placement/evaluator.h"

namespace distcnn {

namespace {

using Json = nlohmann::ordered_json;

std::string TypeOf(const Json& j) {
  if (j.is_number_integer()) return "an integer";
  if (j.is_number()) return "a number";
  if (j.is_string()) return "a string";
  if (j.is_boolean()) return "a boolean";
  if (j.is_null()) return "null";
  if (j.is_array()) return "an array";
  return "an object";
}

Json Number(double v) { return std::isfinite(v) ? Json(v) : Json(nullptr); }

std::string ReasonText(const SolveResult& result, std::string_view infeasible_reason) {
  if (!infeasible_reason.empty()) return std::string(infeasible_reason);
  if (!result.note.empty()) return result.note;
  return result.status == SolveStatus::kInfeasible ? "no feasible plan exists"
                                                   : "no plan found within the limits";
}

Json CnnJson(const Problem& problem, const Plan& plan, const CnnLatency& lat, int c) {
  const Cnn& cnn = problem.cnns[c];
  const IoTSystem& sys = problem.system;
  Json j;
  j["latency_s"] = Number(lat.total_s());
  j["transmission_s"] = Number(lat.transmission_s());
  j["processing_s"] = Number(lat.processing_s);
  j["terms"] = Json{{"source_s", Number(lat.source_s)},
                    {"links_s", Number(lat.links_s)},
                    {"processing_s", Number(lat.processing_s)},
                    {"sink_s", Number(lat.sink_s)}};
  if (!plan.all_whole()) {
    j["terms"]["scatter_s"] = Number(lat.scatter_s);
    j["terms"]["gather_s"] = Number(lat.gather_s);
  }
  // Whole layers in `assignment` (as in version 1), split ones in `splits`.
  Json assign = Json::object();
  Json splits = Json::object();
  for (size_t l = 0; l < cnn.layers.size(); ++l) {
    const Placement& pl = plan.placement(c, static_cast<int>(l));
    if (pl.kind == PartitionKind::kWhole) {
      assign[cnn.layers[l].name] = sys.units[pl.parts.front().unit].id;
      continue;
    }
    Json split;
    split["kind"] = PartitionKindName(pl.kind);
    split["merge"] = sys.units[pl.merge].id;
    Json parts = Json::array();
    for (size_t q = 0; q < pl.parts.size(); ++q) {
      parts.push_back(Json{{"unit", sys.units[pl.parts[q].unit].id},
                           {"granules", pl.parts[q].granules},
                           {"split_units", plan.PartUnits(c, static_cast<int>(l))[q]}});
    }
    split["parts"] = std::move(parts);
    splits[cnn.layers[l].name] = std::move(split);
  }
  j["assignment"] = std::move(assign);
  if (!splits.empty()) j["splits"] = std::move(splits);
  Json routes = Json::array();
  for (const Transfer& t : plan.transfers(c)) {
    if (t.hops() == 0) continue;  // both ends on one vertex: nothing crosses the radio
    Json r;
    r["from"] = t.from_id;
    r["to"] = t.to_id;
    Json path = Json::array();
    for (size_t k = 0; k < t.path.size(); ++k) {
      // Ends are named by their own id (a source or sink merged `at:` a unit
      // shares the unit's vertex); relays by their vertex id.
      if (k == 0) {
        path.push_back(t.from_id);
      } else if (k + 1 == t.path.size()) {
        path.push_back(t.to_id);
      } else {
        path.push_back(sys.vertex_ids[t.path[k]]);
      }
    }
    r["path"] = std::move(path);
    r["hops"] = t.hops() >= 0 ? Json(t.hops()) : Json(nullptr);
    r["kind"] = TransferKindName(t.kind);
    if (t.from_layer >= 0) r["from_layer"] = cnn.layers[t.from_layer].name;
    if (t.to_layer >= 0) r["to_layer"] = cnn.layers[t.to_layer].name;
    r["prob"] = t.prob;
    if (t.part >= 0) r["part"] = t.part;
    routes.push_back(std::move(r));
  }
  j["routes"] = std::move(routes);
  return j;
}

// The radio system the plan runs on: every unit (scenario order), the sources
// and sinks merged `at:` a unit, and every radio link once (lower vertex first),
// named by vertex id. Lets a script rebuild the hop graph (scripts/netns-topology.sh).
Json TopologyJson(const IoTSystem& sys) {
  Json t;
  t["technology"] = sys.technology.name;
  t["rate_bps"] = Number(sys.technology.rate_bps);
  Json units = Json::array();
  for (const Unit& u : sys.units) units.push_back(u.id);
  t["units"] = std::move(units);
  Json at = Json::object();
  for (const std::vector<Endpoint>* list : {&sys.sources, &sys.sinks}) {
    for (const Endpoint& e : *list) {
      if (e.at_unit) at[e.id] = sys.units[static_cast<size_t>(*e.at_unit)].id;
    }
  }
  t["at"] = std::move(at);
  Json links = Json::array();
  for (int v = 0; v < sys.graph.num_vertices(); ++v) {
    for (int w : sys.graph.Neighbours(v)) {
      if (w > v) links.push_back(Json::array({sys.vertex_ids[v], sys.vertex_ids[w]}));
    }
  }
  t["links"] = std::move(links);
  return t;
}

}  // namespace

std::string PlanJson(const CostModel& model, const SolveResult& result,
                     std::string_view infeasible_reason, int indent) {
  const Problem& problem = model.problem();
  const bool has_plan = result.plan.has_value() && result.status != SolveStatus::kInfeasible;
  Evaluation ev;
  if (has_plan) ev = Evaluate(model, *result.plan);

  Json doc;
  // Version 2 only when the plan splits a layer: every other plan is exactly
  // what version 1 readers expect.
  doc["format_version"] = has_plan && !result.plan->all_whole() ? 2 : 1;
  doc["status"] = SolveStatusName(result.status);
  doc["latency_s"] = has_plan ? Number(ev.objective_s) : Json(nullptr);
  doc["bound_s"] = Number(has_plan ? std::min(result.bound_s, ev.objective_s) : result.bound_s);
  doc["solver"] = result.solver;
  doc["solve_time_s"] = Number(result.solve_time_s);
  doc["gap"] = has_plan ? Number(result.gap()) : Json(nullptr);
  doc["nodes"] = result.nodes;
  doc["name"] = problem.name;
  doc["scenario_digest"] = ProblemDigest(problem);
  doc["objective"] = ObjectiveName(problem.objective);
  doc["cost_convention"] = CostConventionName(problem.cost_convention);
  doc["max_layers_per_unit"] =
      problem.max_layers_per_unit > 0 ? Json(problem.max_layers_per_unit) : Json(nullptr);
  if (!result.note.empty()) doc["note"] = result.note;
  if (!has_plan) {
    if (result.status == SolveStatus::kInfeasible || !infeasible_reason.empty()) {
      doc["reason"] = ReasonText(result, infeasible_reason);
    }
    doc["topology"] = TopologyJson(problem.system);
    return doc.dump(indent, ' ', false, Json::error_handler_t::replace);
  }
  if (!ev.feasible()) {
    // A solver bug (FinishWithEvaluation CHECKs this); show it rather than hide it.
    doc["violations"] = ev.violations;
  }

  Json cnns = Json::object();
  for (int c = 0; c < model.num_cnns(); ++c) {
    cnns[problem.cnns[c].name] = CnnJson(problem, *result.plan, ev.cnns[c], c);
  }
  doc["cnns"] = std::move(cnns);

  Json units = Json::object();
  for (int i = 0; i < model.num_units(); ++i) {
    const UnitLoad& load = ev.loads[i];
    if (load.layers.empty()) continue;
    Json u;
    Json layers = Json::array();
    for (const LayerRef& r : load.layers) layers.push_back(problem.LayerName(r));
    u["layers"] = std::move(layers);
    u["memory_bytes"] = load.memory_bytes;
    u["mults"] = load.mults;
    u["type"] = problem.system.units[i].type.name;
    u["items"] = load.items;
    units[problem.system.units[i].id] = std::move(u);
  }
  doc["units"] = std::move(units);
  doc["topology"] = TopologyJson(problem.system);
  return doc.dump(indent, ' ', false, Json::error_handler_t::replace);
}

Result<Plan> ReadPlan(const Problem& problem, std::string_view json_text,
                      const std::string& display_name, bool require_digest) {
  auto error = [&](const std::string& what) { return InvalidArgument(display_name + ": " + what); };
  Json doc;
  try {
    doc = Json::parse(json_text);
  } catch (const Json::exception& e) {
    return error(std::string("not a JSON plan: ") + e.what());
  }
  if (!doc.is_object()) return error("not a plan: expected a JSON object, got " + TypeOf(doc));
  if (!doc.contains("format_version")) return error("format_version: missing");
  if (!doc["format_version"].is_number_integer() || doc["format_version"].get<int64_t>() < 1 ||
      doc["format_version"].get<int64_t>() > 2) {
    return error("format_version: " + doc["format_version"].dump() +
                 " is not a version this distcnn reads (1 or 2)");
  }
  const bool version_2 = doc["format_version"].get<int64_t>() == 2;
  if (!doc.contains("status") || !doc["status"].is_string()) {
    return error("status: expected a string (optimal or feasible)");
  }
  const std::string status = doc["status"].get<std::string>();
  if (status != "optimal" && status != "feasible") {
    return error("status: '" + status + "': the document holds no plan to run");
  }
  if (require_digest && !doc.contains("scenario_digest")) {
    return error("scenario_digest: missing (a plan written before distcnn recorded it)");
  }
  if (doc.contains("scenario_digest")) {
    if (!doc["scenario_digest"].is_string()) {
      return error("scenario_digest: expected a string, got " + TypeOf(doc["scenario_digest"]));
    }
    const std::string want = ProblemDigest(problem);
    const std::string got = doc["scenario_digest"].get<std::string>();
    if (got != want) {
      return error("scenario_digest: the plan was made for another scenario" +
                   (doc.contains("name") && doc["name"].is_string()
                        ? " ('" + doc["name"].get<std::string>() + "')"
                        : std::string()) +
                   " (digest " + got + "; this scenario's is " + want + ")");
    }
  }
  if (!doc.contains("cnns") || !doc["cnns"].is_object()) {
    return error("cnns: expected an object of CNNs, got " +
                 (doc.contains("cnns") ? TypeOf(doc["cnns"]) : std::string("nothing")));
  }
  std::map<std::string, int> unit_index;
  for (int u = 0; u < problem.num_units(); ++u) unit_index[problem.system.units[u].id] = u;
  std::set<std::string> cnn_names;
  for (const Cnn& cnn : problem.cnns) cnn_names.insert(cnn.name);
  for (const auto& [name, value] : doc["cnns"].items()) {
    if (!cnn_names.count(name)) return error("cnns." + name + ": the scenario has no such CNN");
  }
  std::vector<std::vector<Placement>> layers;
  for (const Cnn& cnn : problem.cnns) {
    const std::string at = "cnns." + cnn.name;
    if (!doc["cnns"].contains(cnn.name)) return error(at + ": missing");
    const Json& plan = doc["cnns"][cnn.name];
    if (!plan.is_object() || !plan.contains("assignment"))
      return error(at + ".assignment: missing");
    const Json& assign = plan["assignment"];
    if (!assign.is_object()) {
      return error(at + ".assignment: expected an object of layer: unit, got " + TypeOf(assign));
    }
    static const Json kNoSplits = Json::object();
    const Json& splits = version_2 && plan.contains("splits") ? plan["splits"] : kNoSplits;
    if (!splits.is_object()) {
      return error(at + ".splits: expected an object of layer: split, got " + TypeOf(splits));
    }
    std::set<std::string> layer_names;
    for (const Layer& layer : cnn.layers) layer_names.insert(layer.name);
    for (const Json* section : {&assign, &splits}) {
      for (const auto& [name, value] : section->items()) {
        if (!layer_names.count(name)) {
          return error(at + (section == &assign ? ".assignment." : ".splits.") + name + ": CNN '" +
                       cnn.name + "' has no such layer");
        }
      }
    }
    auto unit_of = [&](const Json& value, const std::string& field) -> Result<int> {
      if (!value.is_string()) {
        return error(field + ": expected a unit id (a string), got " + TypeOf(value) + " " +
                     value.dump());
      }
      const std::string id = value.get<std::string>();
      auto it = unit_index.find(id);
      if (it == unit_index.end()) return error(field + ": unknown unit '" + id + "'");
      return it->second;
    };
    std::vector<Placement> placed;
    for (const Layer& layer : cnn.layers) {
      const std::string field = at + ".assignment." + layer.name;
      if (assign.contains(layer.name) && splits.contains(layer.name)) {
        return error(field + ": the layer is also in splits; a layer is whole or split");
      }
      if (assign.contains(layer.name)) {
        ASSIGN_OR_RETURN(int u, unit_of(assign[layer.name], field));
        placed.push_back(Placement{PartitionKind::kWhole, {Part{u}}});
        continue;
      }
      if (!splits.contains(layer.name)) return error(field + ": missing");
      const std::string sf = at + ".splits." + layer.name;
      const Json& split = splits[layer.name];
      if (!split.is_object() || !split.contains("kind") || !split["kind"].is_string() ||
          !split.contains("parts") || !split["parts"].is_array() || !split.contains("merge")) {
        return error(sf + ": expected {kind, merge, parts: [{unit, granules}, ...]}");
      }
      Result<PartitionKind> kind = ParsePartitionKind(split["kind"].get<std::string>());
      if (!kind.ok()) return error(sf + ".kind: " + kind.status().message());
      Placement pl{*kind, {}, -1};
      ASSIGN_OR_RETURN(pl.merge, unit_of(split["merge"], sf + ".merge"));
      for (size_t q = 0; q < split["parts"].size(); ++q) {
        const Json& part = split["parts"][q];
        const std::string pf = sf + ".parts[" + std::to_string(q) + "]";
        if (!part.is_object() || !part.contains("unit") || !part.contains("granules") ||
            !part["granules"].is_number_integer()) {
          return error(pf + ": expected {unit: ID, granules: N}");
        }
        ASSIGN_OR_RETURN(int u, unit_of(part["unit"], pf + ".unit"));
        pl.parts.push_back(Part{u, static_cast<int>(part["granules"].get<int64_t>())});
      }
      placed.push_back(std::move(pl));
    }
    layers.push_back(std::move(placed));
  }
  Result<Plan> plan = Plan::Make(problem, std::move(layers));
  if (!plan.ok()) return error(plan.status().message());
  return plan;
}

}  // namespace distcnn
