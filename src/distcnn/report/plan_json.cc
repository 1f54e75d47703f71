#include "distcnn/report/plan_json.h"

#include <cmath>
#include <map>
#include <nlohmann/json.hpp>

#include "distcnn/placement/evaluator.h"
#include "distcnn/report/plan_routes.h"

namespace distcnn {

namespace {

using Json = nlohmann::ordered_json;

Json Number(double v) { return std::isfinite(v) ? Json(v) : Json(nullptr); }

std::string ReasonText(const SolveResult& result, std::string_view infeasible_reason) {
  if (!infeasible_reason.empty()) return std::string(infeasible_reason);
  if (!result.note.empty()) return result.note;
  return result.status == SolveStatus::kInfeasible ? "no feasible plan exists"
                                                   : "no plan found within the limits";
}

Json CnnJson(const Problem& problem, const Assignment& assignment, const CnnLatency& lat, int c) {
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
  Json assign = Json::object();
  for (size_t l = 0; l < cnn.layers.size(); ++l) {
    assign[cnn.layers[l].name] = sys.units[assignment.unit[c][l]].id;
  }
  j["assignment"] = std::move(assign);
  Json routes = Json::array();
  for (const Transfer& t : CnnTransfers(problem, assignment, c)) {
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
  const bool has_plan = result.assignment.has_value() && result.status != SolveStatus::kInfeasible;
  Evaluation ev;
  if (has_plan) ev = Evaluate(model, *result.assignment);

  Json doc;
  doc["format_version"] = 1;
  doc["status"] = SolveStatusName(result.status);
  doc["latency_s"] = has_plan ? Number(ev.objective_s) : Json(nullptr);
  doc["bound_s"] = Number(has_plan ? std::min(result.bound_s, ev.objective_s) : result.bound_s);
  doc["solver"] = result.solver;
  doc["solve_time_s"] = Number(result.solve_time_s);
  doc["gap"] = has_plan ? Number(result.gap()) : Json(nullptr);
  doc["nodes"] = result.nodes;
  doc["name"] = problem.name;
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
    cnns[problem.cnns[c].name] = CnnJson(problem, *result.assignment, ev.cnns[c], c);
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

Result<Assignment> ReadPlanAssignment(const Problem& problem, std::string_view json_text,
                                      const std::string& display_name) {
  auto error = [&](const std::string& what) { return InvalidArgument(display_name + ": " + what); };
  Json doc;
  try {
    doc = Json::parse(json_text);
  } catch (const Json::exception& e) {
    return error(std::string("not a JSON plan: ") + e.what());
  }
  if (!doc.is_object() || !doc.contains("cnns") || !doc["cnns"].is_object()) {
    return error("no plan in the document (status " +
                 (doc.is_object() && doc.contains("status") ? doc["status"].dump() : "missing") +
                 ")");
  }
  std::map<std::string, int> unit_index;
  for (int u = 0; u < problem.num_units(); ++u) unit_index[problem.system.units[u].id] = u;
  Assignment a;
  for (const Cnn& cnn : problem.cnns) {
    const Json* plan = doc["cnns"].contains(cnn.name) ? &doc["cnns"][cnn.name] : nullptr;
    if (!plan || !plan->contains("assignment") || !(*plan)["assignment"].is_object()) {
      return error("cnns." + cnn.name + ".assignment: missing");
    }
    const Json& assign = (*plan)["assignment"];
    std::vector<int> units;
    for (const Layer& layer : cnn.layers) {
      if (!assign.contains(layer.name) || !assign[layer.name].is_string()) {
        return error("cnns." + cnn.name + ".assignment." + layer.name + ": missing");
      }
      const std::string id = assign[layer.name].get<std::string>();
      auto it = unit_index.find(id);
      if (it == unit_index.end()) {
        return error("cnns." + cnn.name + ".assignment." + layer.name + ": unknown unit '" + id +
                     "'");
      }
      units.push_back(it->second);
    }
    a.unit.push_back(std::move(units));
  }
  return a;
}

}  // namespace distcnn
