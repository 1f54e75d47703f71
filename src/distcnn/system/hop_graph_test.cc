#include "distcnn/system/hop_graph.h"

#include <gtest/gtest.h>

#include "distcnn/system/system_builder.h"

namespace distcnn {
namespace {

TEST(HopGraph, BfsDistancesAreSymmetricShortestPaths) {
  // 0 - 1 - 2 - 3 and a shortcut 0 - 3; vertex 4 isolated.
  HopGraph g(5);
  g.AddEdge(0, 1);
  g.AddEdge(1, 2);
  g.AddEdge(2, 3);
  g.AddEdge(0, 3);
  g.AddEdge(0, 3);  // repeat ignored
  g.Finalize();
  EXPECT_EQ(g.num_edges(), 4);
  EXPECT_EQ(g.Distance(0, 0), 0);
  EXPECT_EQ(g.Distance(0, 2), 2);
  EXPECT_EQ(g.Distance(1, 3), 2);
  EXPECT_EQ(g.Distance(3, 1), 2);
  EXPECT_EQ(g.Distance(0, 4), HopGraph::kUnreachable);
  EXPECT_EQ(g.ShortestPath(1, 3), (std::vector<int>{1, 0, 3}));
  EXPECT_TRUE(g.ShortestPath(0, 4).empty());
}

TEST(HopGraph, WithoutAVertexRoutesAroundItOrNotAtAll) {
  // A ring 0 - 1 - 2 - 3 - 0 and a leaf 4 on 2.
  HopGraph g(5);
  for (auto [a, b] : {std::pair{0, 1}, {1, 2}, {2, 3}, {3, 0}, {2, 4}}) g.AddEdge(a, b);
  g.Finalize();
  EXPECT_EQ(g.ShortestPath(0, 2), (std::vector<int>{0, 1, 2}));
  const HopGraph cut = g.WithoutVertices({1});
  EXPECT_EQ(cut.num_vertices(), 5);
  EXPECT_EQ(cut.ShortestPath(0, 2), (std::vector<int>{0, 3, 2}));  // around the dead relay
  EXPECT_EQ(cut.Distance(1, 0), HopGraph::kUnreachable);
  EXPECT_EQ(cut.Distance(1, 1), 0);
  const HopGraph leafless = g.WithoutVertices({2});
  EXPECT_EQ(leafless.Distance(0, 4), HopGraph::kUnreachable);  // 4 hung on 2 only
}

TEST(SystemBuilder, RangeAdjacencyAndColocation) {
  SystemSpec spec;
  spec.technology = {"wifi4", 72.2e6, 7.5};
  DeviceType t{"x", 1000, 1e6};
  spec.units = {{"a", t, Position{0, 0}}, {"b", t, Position{7.5, 0}}, {"c", t, Position{15, 0}}};
  spec.sources = {{"s", Position{-7, 0}, std::nullopt}};
  spec.sinks = {{"f", std::nullopt, std::string("c")}};
  auto sys = BuildSystem(spec);
  ASSERT_TRUE(sys.ok()) << sys.status().message();
  const HopGraph& g = sys->graph;
  EXPECT_EQ(g.num_vertices(), 4);  // the sink shares unit c's vertex
  EXPECT_EQ(sys->sinks[0].vertex, 2);
  EXPECT_EQ(g.Distance(0, 1), 1);  // exactly at range
  EXPECT_EQ(g.Distance(0, 2), 2);
  EXPECT_EQ(g.Distance(sys->sources[0].vertex, 2), 3);
}

TEST(SystemBuilder, RejectsUnknownLinkAndDuplicateIds) {
  SystemSpec spec;
  spec.technology = {"wifi4", 72.2e6, 7.5};
  DeviceType t{"x", 1000, 1e6};
  spec.units = {{"a", t, std::nullopt}, {"b", t, std::nullopt}};
  spec.links = std::vector<std::pair<std::string, std::string>>{{"a", "zz"}};
  auto sys = BuildSystem(spec);
  ASSERT_FALSE(sys.ok());
  EXPECT_NE(sys.status().message().find("unknown id 'zz'"), std::string::npos);
  spec.units.push_back({"a", t, std::nullopt});
  spec.links->clear();
  EXPECT_FALSE(BuildSystem(spec).ok());
}

}  // namespace
}  // namespace distcnn
