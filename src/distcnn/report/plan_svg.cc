#include "distcnn/report/plan_svg.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numbers>
#include <tuple>

#include "distcnn/placement/evaluator.h"
#include "distcnn/report/text_format.h"

namespace distcnn {

namespace {

using report_internal::Format;
using report_internal::FormatMs;

constexpr double kPi = std::numbers::pi;
constexpr double kSymbolPx = 9;  // radius of a unit symbol
constexpr double kMarginPx = 40;
constexpr double kTitlePx = 56;
constexpr double kFontPx = 11;
constexpr double kCharPx = 6.4;  // rough width of a character at kFontPx

// Unit symbols by device type (cycled), and fill colours (cycled independently).
enum class Shape { kCircle, kSquare, kDiamond, kTriangle, kHexagon, kPentagon, kTriangleDown };
constexpr Shape kShapes[] = {Shape::kCircle,      Shape::kSquare,  Shape::kDiamond,
                             Shape::kTriangle,    Shape::kHexagon, Shape::kPentagon,
                             Shape::kTriangleDown};
constexpr const char* kTypeFills[] = {"#9ecae1", "#fdae6b", "#a1d99b", "#bcbddc",
                                      "#fdd0a2", "#c7e9c0", "#dadaeb", "#fcbba1"};
constexpr const char* kCnnColours[] = {"#d62728", "#1f77b4", "#2ca02c", "#9467bd",
                                       "#ff7f0e", "#8c564b", "#e377c2", "#17becf"};

struct Pt {
  double x = 0;
  double y = 0;
};

std::string Escape(std::string_view s) {
  std::string out;
  for (char ch : s) {
    switch (ch) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        // Control characters are not allowed in XML 1.0.
        if (static_cast<unsigned char>(ch) < 0x20 && ch != '\t' && ch != '\n') {
          out += '?';
        } else {
          out += ch;
        }
    }
  }
  return out;
}

const char* CnnColour(int c) { return kCnnColours[c % std::size(kCnnColours)]; }

std::string Polygon(Pt c, double r, int sides, double rotation, const std::string& style) {
  std::string pts;
  for (int k = 0; k < sides; ++k) {
    const double a = rotation + 2 * kPi * k / sides;
    pts += Format("%s%.1f,%.1f", k ? " " : "", c.x + r * std::cos(a), c.y + r * std::sin(a));
  }
  return "<polygon points=\"" + pts + "\" " + style + "/>";
}

std::string ShapeSvg(Shape shape, Pt c, double r, const std::string& style) {
  switch (shape) {
    case Shape::kCircle:
      return Format("<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%.1f\" ", c.x, c.y, r) + style + "/>";
    case Shape::kSquare:
      return Format("<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" ", c.x - 0.85 * r,
                    c.y - 0.85 * r, 1.7 * r, 1.7 * r) +
             style + "/>";
    case Shape::kDiamond:
      return Polygon(c, 1.15 * r, 4, -kPi / 2, style);
    case Shape::kTriangle:
      return Polygon({c.x, c.y + 0.2 * r}, 1.25 * r, 3, -kPi / 2, style);
    case Shape::kHexagon:
      return Polygon(c, 1.05 * r, 6, 0, style);
    case Shape::kPentagon:
      return Polygon(c, 1.1 * r, 5, -kPi / 2, style);
    case Shape::kTriangleDown:
      return Polygon({c.x, c.y - 0.2 * r}, 1.25 * r, 3, kPi / 2, style);
  }
  return "";
}

std::string StarSvg(Pt c, double r) {
  std::string pts;
  for (int k = 0; k < 10; ++k) {
    const double a = -kPi / 2 + kPi * k / 5;
    const double rr = (k % 2 == 0) ? r : 0.45 * r;
    pts += Format("%s%.1f,%.1f", k ? " " : "", c.x + rr * std::cos(a), c.y + rr * std::sin(a));
  }
  return "<polygon points=\"" + pts + "\" fill=\"#ffd92f\" stroke=\"#333\" stroke-width=\"1.2\"/>";
}

std::string SinkSvg(Pt c, double r) {
  return Format(
      "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%.1f\" fill=\"#fff\" stroke=\"#333\" "
      "stroke-width=\"2\"/><circle cx=\"%.1f\" cy=\"%.1f\" r=\"%.1f\" fill=\"#333\"/>",
      c.x, c.y, r, c.x, c.y, 0.4 * r);
}

std::string Text(Pt at, std::string_view text, const char* anchor, const char* fill,
                 const char* extra = "") {
  return Format("<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" fill=\"%s\"%s>", at.x, at.y, anchor,
                fill, extra) +
         Escape(text) + "</text>";
}

// Fruchterman-Reingold on the unit square, started on a circle: deterministic.
std::vector<Position> SpringLayout(const HopGraph& graph) {
  const int n = graph.num_vertices();
  std::vector<Position> pos(n);
  if (n == 0) return pos;
  for (int v = 0; v < n; ++v) {
    const double a = -kPi / 2 + 2 * kPi * v / n;
    pos[v] = {0.5 + 0.4 * std::cos(a), 0.5 - 0.4 * std::sin(a)};
  }
  if (n == 1) return pos;
  const double k = std::sqrt(1.0 / n);
  const int iterations =
      static_cast<int>(std::clamp(2e7 / (static_cast<double>(n) * n), 30.0, 400.0));
  std::vector<Position> disp(n);
  for (int it = 0; it < iterations; ++it) {
    const double temperature = 0.1 * (1.0 - static_cast<double>(it) / iterations) + 1e-3;
    std::fill(disp.begin(), disp.end(), Position{0, 0});
    for (int a = 0; a < n; ++a) {
      for (int b = a + 1; b < n; ++b) {
        double dx = pos[a].x_m - pos[b].x_m;
        double dy = pos[a].y_m - pos[b].y_m;
        double d = std::hypot(dx, dy);
        if (d < 1e-6) {
          dx = 1e-3 * (a - b);
          dy = 1e-3;
          d = std::hypot(dx, dy);
        }
        const double f = k * k / d;
        disp[a].x_m += dx / d * f;
        disp[a].y_m += dy / d * f;
        disp[b].x_m -= dx / d * f;
        disp[b].y_m -= dy / d * f;
      }
    }
    for (int a = 0; a < n; ++a) {
      for (int b : graph.Neighbours(a)) {
        if (b <= a) continue;
        const double dx = pos[a].x_m - pos[b].x_m;
        const double dy = pos[a].y_m - pos[b].y_m;
        const double d = std::max(std::hypot(dx, dy), 1e-6);
        const double f = d * d / k;
        disp[a].x_m -= dx / d * f;
        disp[a].y_m -= dy / d * f;
        disp[b].x_m += dx / d * f;
        disp[b].y_m += dy / d * f;
      }
    }
    for (int a = 0; a < n; ++a) {
      // Mild gravity keeps disconnected parts on the canvas.
      disp[a].x_m += (0.5 - pos[a].x_m) * k;
      disp[a].y_m += (0.5 - pos[a].y_m) * k;
      const double d = std::hypot(disp[a].x_m, disp[a].y_m);
      if (d < 1e-12) continue;
      const double step = std::min(d, temperature);
      pos[a].x_m = std::clamp(pos[a].x_m + disp[a].x_m / d * step, 0.0, 1.0);
      pos[a].y_m = std::clamp(pos[a].y_m + disp[a].y_m / d * step, 0.0, 1.0);
    }
  }
  return pos;
}

// Maps layout coordinates to pixels (y up in metres, down in SVG).
struct Canvas {
  double min_x = 0, max_y = 0, scale = 1;
  double left = 0, top = 0;
  double plot_w = 0, plot_h = 0;
  Pt ToPx(const Position& p) const {
    return {left + (p.x_m - min_x) * scale, top + (max_y - p.y_m) * scale};
  }
};

double NiceLength(double target) {
  if (target <= 0) return 1;
  const double base = std::pow(10.0, std::floor(std::log10(target)));
  for (double m : {5.0, 2.0, 1.0}) {
    if (m * base <= target) return m * base;
  }
  return base;
}

std::string TrimNumber(double v) {
  std::string s = Format("%.3g", v);
  return s;
}

struct Segment {
  Pt a, b;
};

// The segment a->b shifted `offset` px to its left and shortened at both ends.
Segment OffsetSegment(Pt a, Pt b, double offset, double shorten_a, double shorten_b) {
  const double dx = b.x - a.x, dy = b.y - a.y;
  const double len = std::hypot(dx, dy);
  if (len < 1e-9) return {a, b};
  const double ux = dx / len, uy = dy / len;
  const double nx = -uy, ny = ux;
  const double sa = std::min(shorten_a, 0.45 * len), sb = std::min(shorten_b, 0.45 * len);
  return {{a.x + ux * sa + nx * offset, a.y + uy * sa + ny * offset},
          {b.x - ux * sb + nx * offset, b.y - uy * sb + ny * offset}};
}

struct LabelSide {
  bool right = true;
  bool up = true;
};

// Puts a unit's layer names on the side (of four) farthest in angle from its
// radio links, its id (below) and any merged source/sink badge (on the left).
LabelSide ChooseLabelSide(const IoTSystem& sys, const std::vector<Pt>& px, int unit) {
  std::vector<double> busy = {kPi / 2};
  for (int nb : sys.graph.Neighbours(unit)) {
    const double dx = px[nb].x - px[unit].x, dy = px[nb].y - px[unit].y;
    if (std::hypot(dx, dy) > 1e-9) busy.push_back(std::atan2(dy, dx));
  }
  for (const auto* list : {&sys.sources, &sys.sinks}) {
    for (const Endpoint& e : *list) {
      if (e.at_unit && *e.at_unit == unit) {
        busy.push_back(-3 * kPi / 4);
        busy.push_back(3 * kPi / 4);
      }
    }
  }
  const LabelSide sides[] = {{true, true}, {false, true}, {true, false}, {false, false}};
  const double angles[] = {-kPi / 6, -5 * kPi / 6, kPi / 6, 5 * kPi / 6};
  int best = 0;
  double best_score = -1;
  for (int k = 0; k < 4; ++k) {
    double score = kPi;
    for (double b : busy) {
      double d = std::fabs(angles[k] - b);
      if (d > kPi) d = 2 * kPi - d;
      score = std::min(score, d);
    }
    if (k == 0) score += 0.1;  // prefer upper right, as in the paper's figures
    if (score > best_score + 1e-9) {
      best = k;
      best_score = score;
    }
  }
  return sides[best];
}

}  // namespace

VertexLayout ComputeVertexLayout(const IoTSystem& system) {
  const int n = system.graph.num_vertices();
  VertexLayout layout;
  layout.pos.resize(n);
  std::vector<char> known(n, 0);
  for (int i = 0; i < system.num_units() && i < n; ++i) {
    if (system.units[i].pos) {
      layout.pos[i] = *system.units[i].pos;
      known[i] = 1;
    }
  }
  for (const auto* list : {&system.sources, &system.sinks}) {
    for (const Endpoint& e : *list) {
      if (e.at_unit || e.vertex < 0 || e.vertex >= n || !e.pos) continue;
      layout.pos[e.vertex] = *e.pos;
      known[e.vertex] = 1;
    }
  }
  bool metric = std::all_of(known.begin(), known.end(), [](char k) { return k != 0; });
  for (int a = 0; metric && a < n; ++a) {
    for (int b = a + 1; metric && b < n; ++b) {
      if (std::hypot(layout.pos[a].x_m - layout.pos[b].x_m, layout.pos[a].y_m - layout.pos[b].y_m) <
          1e-6) {
        metric = false;
      }
    }
  }
  layout.metric = metric;
  if (!metric) layout.pos = SpringLayout(system.graph);
  return layout;
}

std::string PlanSvg(const CostModel& model, const SolveResult& result,
                    std::string_view infeasible_reason, const PlanSvgOptions& options) {
  const Problem& problem = model.problem();
  const IoTSystem& sys = problem.system;
  const int n = sys.graph.num_vertices();
  const bool has_plan = result.plan.has_value() && result.status != SolveStatus::kInfeasible;
  Evaluation ev;
  if (has_plan) ev = Evaluate(model, *result.plan);
  const VertexLayout layout = ComputeVertexLayout(sys);

  // Device types by first appearance.
  std::vector<std::string> types;
  std::vector<int> type_count;
  std::vector<int> type_of(sys.num_units());
  for (int i = 0; i < sys.num_units(); ++i) {
    auto it = std::find(types.begin(), types.end(), sys.units[i].type.name);
    if (it == types.end()) {
      types.push_back(sys.units[i].type.name);
      type_count.push_back(0);
      it = types.end() - 1;
    }
    type_of[i] = static_cast<int>(it - types.begin());
    ++type_count[type_of[i]];
  }

  // Canvas geometry.
  double min_x = 0, max_x = 1, min_y = 0, max_y = 1;
  if (n > 0) {
    min_x = max_x = layout.pos[0].x_m;
    min_y = max_y = layout.pos[0].y_m;
    for (const Position& p : layout.pos) {
      min_x = std::min(min_x, p.x_m);
      max_x = std::max(max_x, p.x_m);
      min_y = std::min(min_y, p.y_m);
      max_y = std::max(max_y, p.y_m);
    }
  }
  double bw = max_x - min_x, bh = max_y - min_y;
  if (bw < 1e-9 && bh < 1e-9) {
    bw = bh = 1;
    min_x -= 0.5;
    max_y += 0.5;
  } else if (bw < 0.2 * bh) {
    min_x -= (0.2 * bh - bw) / 2;
    bw = 0.2 * bh;
  } else if (bh < 0.2 * bw) {
    max_y += (0.2 * bw - bh) / 2;
    bh = 0.2 * bw;
  }
  Canvas cv;
  cv.min_x = min_x;
  cv.max_y = max_y;
  cv.scale = std::min(options.max_plot_width_px / bw, options.max_plot_height_px / bh);
  cv.plot_w = bw * cv.scale;
  cv.plot_h = bh * cv.scale;
  cv.left = kMarginPx + 20;
  cv.top = kTitlePx + kMarginPx;

  // Legend size.
  size_t longest = 12;
  for (size_t t = 0; t < types.size(); ++t) longest = std::max(longest, types[t].size() + 6);
  for (const Cnn& c : problem.cnns) longest = std::max(longest, c.name.size() + 14);
  const double legend_w = 50 + kCharPx * static_cast<double>(longest);
  const double legend_x = cv.left + cv.plot_w + kMarginPx + 30;
  const int legend_rows = static_cast<int>(types.size() + problem.cnns.size()) + 12;
  const double legend_h = 20.0 * legend_rows;
  const double width = legend_x + legend_w + 10;
  const double height = std::max(cv.top + cv.plot_h + kMarginPx + 40, cv.top - 20 + legend_h + 10);

  std::vector<Pt> px(n);
  for (int v = 0; v < n; ++v) px[v] = cv.ToPx(layout.pos[v]);

  std::string s;
  s += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  s += Format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
      "viewBox=\"0 0 %.0f %.0f\" font-family=\"DejaVu Sans, Arial, sans-serif\" "
      "font-size=\"%.0f\">\n",
      width, height, width, height, kFontPx);
  s += "<defs>\n";
  for (int c = 0; c < static_cast<int>(problem.cnns.size()); ++c) {
    s += Format(
        "  <marker id=\"arrow%d\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"6\" "
        "markerHeight=\"6\" markerUnits=\"userSpaceOnUse\" orient=\"auto\">"
        "<path d=\"M0,0 L10,5 L0,10 z\" fill=\"%s\"/></marker>\n",
        c, CnnColour(c));
  }
  s += "</defs>\n";
  s += Format("<rect x=\"0\" y=\"0\" width=\"%.0f\" height=\"%.0f\" fill=\"#fff\"/>\n", width,
              height);

  // Title.
  std::string title = "distcnn plan";
  if (!problem.name.empty()) title += ": " + problem.name;
  s += Text({kMarginPx, 24}, title, "start", "#000", " font-size=\"15\" font-weight=\"bold\"") +
       "\n";
  std::string subtitle = std::string("status ") + SolveStatusName(result.status);
  if (has_plan) {
    subtitle += ", objective " + FormatMs(ev.objective_s) + " ms (" +
                ObjectiveName(problem.objective) + ")";
  } else {
    std::string reason(infeasible_reason);
    if (reason.empty()) reason = result.note;
    if (!reason.empty()) subtitle += ": " + reason;
  }
  subtitle += problem.max_layers_per_unit > 0
                  ? ", L = " + std::to_string(problem.max_layers_per_unit)
                  : std::string(", L unlimited");
  s += Text({kMarginPx, 44}, subtitle, "start", "#333") + "\n";

  // Area and scale bar.
  const double pad = 2.5 * kSymbolPx;
  if (layout.metric) {
    s += Format(
        "<rect class=\"area\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
        "fill=\"#f6f6f2\" "
        "stroke=\"#b8b8b0\"/>\n",
        cv.left - pad, cv.top - pad, cv.plot_w + 2 * pad, cv.plot_h + 2 * pad);
    const double len_m = NiceLength(bw / 4);
    const double len_px = len_m * cv.scale;
    const double y = cv.top + cv.plot_h + pad + 22;
    const double x = cv.left - pad;
    s += Format(
        "<g class=\"scale\" stroke=\"#333\" stroke-width=\"1.5\"><line x1=\"%.1f\" y1=\"%.1f\" "
        "x2=\"%.1f\" y2=\"%.1f\"/><line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>"
        "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/></g>\n",
        x, y, x + len_px, y, x, y - 4, x, y + 4, x + len_px, y - 4, x + len_px, y + 4);
    s += Text({x + len_px + 6, y + 4}, TrimNumber(len_m) + " m", "start", "#333") + "\n";
    s += Text({cv.left + cv.plot_w + pad, y + 4},
              "area " + TrimNumber(bw) + " m x " + TrimNumber(bh) + " m", "end", "#777") +
         "\n";
  } else {
    s += Format(
        "<rect class=\"area\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" "
        "stroke=\"#ccc\" stroke-dasharray=\"4 4\"/>\n",
        cv.left - pad, cv.top - pad, cv.plot_w + 2 * pad, cv.plot_h + 2 * pad);
    s += Text({cv.left - pad, cv.top + cv.plot_h + pad + 26},
              "schematic layout (the scenario gives no usable positions)", "start", "#777") +
         "\n";
  }

  // Radio links.
  s += "<g class=\"links\" stroke=\"#b0b0b0\" stroke-width=\"0.8\">\n";
  for (int a = 0; a < n; ++a) {
    for (int b : sys.graph.Neighbours(a)) {
      if (b <= a) continue;
      s += Format("  <line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", px[a].x, px[a].y,
                  px[b].x, px[b].y);
    }
  }
  s += "</g>\n";

  // CNN paths (under the symbols, over the links).
  const int num_cnns = static_cast<int>(problem.cnns.size());
  std::string labels;  // probability labels, drawn last
  if (has_plan) {
    std::map<std::tuple<int, int, int>, int> drawn;  // (cnn, from, to) -> times drawn
    for (int c = 0; c < num_cnns; ++c) {
      const Cnn& cnn = problem.cnns[c];
      const double base = (c - (num_cnns - 1) / 2.0) * 3.5;
      s += Format(
          "<g class=\"cnn\" data-cnn=\"%s\" stroke=\"%s\" stroke-width=\"2\" fill=\"none\">\n",
          Escape(cnn.name).c_str(), CnnColour(c));
      for (const Transfer& t : result.plan->transfers(c)) {
        if (t.hops() <= 0) continue;
        const bool gate_exit =
            t.kind == TransferKind::kExit && t.from_layer + 1 < static_cast<int>(cnn.layers.size());
        // Scatter (fan-out to a split layer's parts) and gather (fan-in to its
        // merge unit) are dotted.
        const bool dashed = gate_exit;
        const bool dotted = t.kind == TransferKind::kScatter || t.kind == TransferKind::kGather;
        for (size_t k = 0; k + 1 < t.path.size(); ++k) {
          const int a = t.path[k], b = t.path[k + 1];
          const int repeat = drawn[{c, a, b}]++;
          const Segment seg =
              OffsetSegment(px[a], px[b], base + 2.2 + 3.0 * repeat, kSymbolPx + 2, kSymbolPx + 4);
          s += Format(
              "  <line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
              "marker-end=\"url(#arrow%d)\"%s/>\n",
              seg.a.x, seg.a.y, seg.b.x, seg.b.y, c,
              dashed   ? " stroke-dasharray=\"6 4\""
              : dotted ? " stroke-dasharray=\"2 3\""
                       : "");
          if (k == 0) {
            std::string label;
            if (t.kind == TransferKind::kExit && (gate_exit || t.prob < 1)) {
              label = "exit " + TrimNumber(t.prob);
            } else if (t.kind == TransferKind::kLink && cnn.layers[t.from_layer].exit_prob > 0) {
              label = TrimNumber(t.prob);
            }
            if (!label.empty()) {
              const Segment mid = OffsetSegment(px[a], px[b], base + 9, 0, 0);
              labels += Text({(mid.a.x + mid.b.x) / 2, (mid.a.y + mid.b.y) / 2 + 4}, label,
                             "middle", CnnColour(c),
                             " font-size=\"10\" font-style=\"italic\" paint-order=\"stroke\" "
                             "stroke=\"#fff\" stroke-width=\"3\"") +
                        "\n";
            }
          }
        }
      }
      s += "</g>\n";
    }
  }

  // Units.
  std::vector<std::vector<std::string>> layer_lines(sys.num_units());
  std::vector<std::vector<int>> layer_line_cnn(sys.num_units());
  if (has_plan) {
    for (int c = 0; c < num_cnns; ++c) {
      const Cnn& cnn = problem.cnns[c];
      std::vector<std::string> per_unit(sys.num_units());
      for (size_t j = 0; j < cnn.layers.size(); ++j) {
        // A split layer is listed on each part's unit with its share.
        const Placement& pl = result.plan->placement(c, static_cast<int>(j));
        for (const Part& part : pl.parts) {
          std::string& line = per_unit[part.unit];
          line += (line.empty() ? "" : ", ") + cnn.layers[j].name;
          if (pl.kind != PartitionKind::kWhole) {
            line += Format(" %d/%d", part.granules, cnn.partitioning.granules);
          }
        }
      }
      for (int i = 0; i < sys.num_units(); ++i) {
        if (per_unit[i].empty()) continue;
        layer_lines[i].push_back(num_cnns > 1 ? cnn.name + ": " + per_unit[i] : per_unit[i]);
        layer_line_cnn[i].push_back(c);
      }
    }
  }
  const char* halo = " paint-order=\"stroke\" stroke=\"#fff\" stroke-width=\"3\"";
  s += "<g class=\"units\">\n";
  for (int i = 0; i < sys.num_units(); ++i) {
    const Unit& u = sys.units[i];
    const int t = type_of[i];
    const bool busy = !layer_lines[i].empty();
    s += "  <g class=\"unit\" data-id=\"" + Escape(u.id) + "\" data-type=\"" + Escape(u.type.name) +
         "\"><title>" + Escape(u.id + " (" + u.type.name + ")") + "</title>";
    s += ShapeSvg(
        kShapes[t % std::size(kShapes)], px[i], kSymbolPx,
        Format("fill=\"%s\" stroke=\"%s\" stroke-width=\"%s\"",
               kTypeFills[t % std::size(kTypeFills)], busy ? "#222" : "#666", busy ? "1.8" : "1"));
    s += Text({px[i].x, px[i].y + kSymbolPx + 12}, u.id, "middle", "#444",
              " font-size=\"10\" paint-order=\"stroke\" stroke=\"#fff\" stroke-width=\"3\"");
    if (!layer_lines[i].empty()) {
      const LabelSide side = ChooseLabelSide(sys, px, i);
      const double x = px[i].x + (side.right ? 1 : -1) * (kSymbolPx + 4);
      const int lines = static_cast<int>(layer_lines[i].size());
      for (int k = 0; k < lines; ++k) {
        const double y =
            side.up ? px[i].y - kSymbolPx + 2 - 13.0 * (lines - 1 - k) : px[i].y + 8 + 13.0 * k;
        s += Text({x, y}, layer_lines[i][k], side.right ? "start" : "end",
                  CnnColour(layer_line_cnn[i][k]),
                  (std::string(" font-weight=\"bold\"") + halo).c_str());
      }
    }
    s += "</g>\n";
  }
  s += "</g>\n";

  // Sources and sinks.
  s += "<g class=\"endpoints\">\n";
  for (int kind = 0; kind < 2; ++kind) {
    const std::vector<Endpoint>& list = kind == 0 ? sys.sources : sys.sinks;
    for (const Endpoint& e : list) {
      if (e.vertex < 0 || e.vertex >= n) continue;
      Pt c = px[e.vertex];
      double r = kSymbolPx;
      if (e.at_unit) {
        // A badge on the unit's upper left (sources) or lower left (sinks).
        r = 0.65 * kSymbolPx;
        c = {c.x - kSymbolPx - 4, c.y + (kind == 0 ? -kSymbolPx : kSymbolPx) - 1};
      }
      s += "  <g class=\"" + std::string(kind == 0 ? "source" : "sink") + "\" data-id=\"" +
           Escape(e.id) + "\"><title>" + Escape((kind == 0 ? "source " : "sink ") + e.id) +
           "</title>";
      s += kind == 0 ? StarSvg(c, 1.3 * r) : SinkSvg(c, r);
      s += Text({c.x - r - 3, c.y + 4}, e.id, "end", "#000",
                (std::string(" font-weight=\"bold\"") + halo).c_str());
      s += "</g>\n";
    }
  }
  s += "</g>\n";
  s += labels;

  // Legend.
  double y = cv.top - 20;
  const double lx = legend_x;
  auto heading = [&](const std::string& text) {
    s += Text({lx, y}, text, "start", "#000", " font-weight=\"bold\"") + "\n";
    y += 18;
  };
  s += "<g class=\"legend\">\n";
  heading("Units");
  for (size_t t = 0; t < types.size(); ++t) {
    s += ShapeSvg(kShapes[t % std::size(kShapes)], {lx + 8, y - 4}, 7,
                  Format("fill=\"%s\" stroke=\"#444\"", kTypeFills[t % std::size(kTypeFills)]));
    s +=
        Text({lx + 24, y}, types[t] + " (" + std::to_string(type_count[t]) + ")", "start", "#000") +
        "\n";
    y += 18;
  }
  y += 6;
  heading("Endpoints");
  s += StarSvg({lx + 8, y - 4}, 8) + Text({lx + 24, y}, "source", "start", "#000") + "\n";
  y += 18;
  s += SinkSvg({lx + 8, y - 4}, 6) + Text({lx + 24, y}, "sink", "start", "#000") + "\n";
  y += 18;
  s += Format("<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#b0b0b0\"/>", lx,
              y - 4, lx + 18, y - 4) +
       Text({lx + 24, y}, "radio link", "start", "#000") + "\n";
  y += 24;
  if (has_plan) {
    heading("CNNs (expected latency)");
    for (int c = 0; c < num_cnns; ++c) {
      s += Format(
          "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"2\" "
          "marker-end=\"url(#arrow%d)\"/>",
          lx, y - 4, lx + 18, y - 4, CnnColour(c), c);
      s += Text({lx + 24, y}, problem.cnns[c].name + "  " + FormatMs(ev.cnns[c].total_s()) + " ms",
                "start", "#000") +
           "\n";
      y += 18;
    }
    y += 6;
    s += Format(
        "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#555\" stroke-width=\"2\" "
        "stroke-dasharray=\"6 4\"/>",
        lx, y - 4, lx + 18, y - 4);
    s += Text({lx + 24, y}, "early exit to sink", "start", "#000") + "\n";
    y += 16;
    s += Text({lx + 24, y}, "(label: probability g)", "start", "#555", " font-size=\"10\"") + "\n";
    y += 18;
    s += Text({lx, y}, "Layer names sit next to", "start", "#555", " font-size=\"10\"") + "\n";
    y += 13;
    s += Text({lx, y}, "the unit that runs them.", "start", "#555", " font-size=\"10\"") + "\n";
  }
  s += "</g>\n";
  s += "</svg>\n";
  return s;
}

}  // namespace distcnn
