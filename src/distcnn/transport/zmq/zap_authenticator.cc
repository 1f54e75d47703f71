#include "distcnn/transport/zmq/zap_authenticator.h"

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <zmq_addon.hpp>

namespace distcnn::transport {
namespace {

constexpr const char* kZapEndpoint = "inproc://zeromq.zap.01";
constexpr int kWatchedEvents = ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL |
                               ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |
                               ZMQ_EVENT_HANDSHAKE_FAILED_AUTH;
// A ZAP request through a ROUTER: [routing id, "", version, request id,
// domain, address, identity, mechanism, credentials...].
constexpr size_t kRequestFrames = 8;
constexpr uint64_t kLoggedRefusals = 20;

std::string Hex(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

std::string Why(uint16_t event, uint32_t value) {
  if (event == ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL) return "handshake failed";
  switch (value) {
    case ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH:
      return "the peer offered no CURVE key (security mechanism mismatch)";
    case ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC:
      return "wrong CURVE key (the peer does not hold the secret key it claims, or expects "
             "another key for this endpoint)";
    default:
      return "handshake protocol error " + Hex(value);
  }
}

}  // namespace

ZapAuthenticator::ZapAuthenticator(zmq::context_t& context, zmq::socket_t& server,
                                   bool hold_unknown, Notify notify)
    : context_(context),
      server_(server),
      hold_unknown_(hold_unknown),
      notify_(std::move(notify)),
      zap_(context, zmq::socket_type::router),
      monitor_(context, zmq::socket_type::pair),
      wake_in_(context, zmq::socket_type::pair),
      wake_out_(context, zmq::socket_type::pair) {
  const std::string id = std::to_string(reinterpret_cast<uintptr_t>(this));
  wake_endpoint_ = "inproc://distcnn-zap-wake-" + id;
  monitor_endpoint_ = "inproc://distcnn-zap-monitor-" + id;
}

Result<std::unique_ptr<ZapAuthenticator>> ZapAuthenticator::Start(zmq::context_t& context,
                                                                  zmq::socket_t& server,
                                                                  bool hold_unknown,
                                                                  Notify notify) {
  std::unique_ptr<ZapAuthenticator> a(
      new ZapAuthenticator(context, server, hold_unknown, std::move(notify)));
  try {
    for (zmq::socket_t* s : {&a->zap_, &a->monitor_, &a->wake_in_, &a->wake_out_}) {
      s->set(zmq::sockopt::linger, 0);
    }
    a->zap_.bind(kZapEndpoint);
    a->wake_in_.bind(a->wake_endpoint_);
    a->wake_out_.connect(a->wake_endpoint_);
    if (zmq_socket_monitor(server.handle(), a->monitor_endpoint_.c_str(), kWatchedEvents) != 0) {
      return IoError(std::string("zmq: monitor the server socket: ") + zmq_strerror(zmq_errno()));
    }
    a->monitor_.connect(a->monitor_endpoint_);
  } catch (const zmq::error_t& e) {
    return IoError(std::string("zmq: start the ZAP handler: ") + e.what());
  }
  ZapAuthenticator* raw = a.get();
  a->thread_ = std::thread([raw] { raw->Serve(); });
  return a;
}

ZapAuthenticator::~ZapAuthenticator() {
  zmq_socket_monitor(server_.handle(), nullptr, 0);
  Wake("stop");
  if (thread_.joinable()) thread_.join();
}

void ZapAuthenticator::Allow(PeerId peer, const std::string& public_key) {
  std::lock_guard lock(keys_mutex_);
  allowed_[public_key] = peer;
}

void ZapAuthenticator::Seal() {
  {
    std::lock_guard lock(keys_mutex_);
    sealed_ = true;
  }
  Wake("seal");
}

void ZapAuthenticator::Wake(const char* command) {
  std::lock_guard lock(wake_mutex_);
  try {
    wake_out_.send(zmq::buffer(std::string_view(command)), zmq::send_flags::dontwait);
  } catch (const zmq::error_t&) {
    // The thread is gone already; nothing to wake.
  }
}

void ZapAuthenticator::Refuse(const std::string& what) {
  const uint64_t n = ++refused_;
  // A misconfigured peer retries every 100 ms: the first lines, then every 100th.
  if (!notify_ || (n > kLoggedRefusals && n % 100 != 0)) return;
  notify_(n > kLoggedRefusals ? what + " (" + std::to_string(n) + " refusals so far)" : what);
}

bool ZapAuthenticator::Answer(std::vector<zmq::message_t>& request, bool sealed) {
  if (request.size() < kRequestFrames) return true;  // not ZAP: nothing to answer
  const std::string address = request[5].to_string();
  const std::string mechanism = request[7].to_string();
  std::string key;
  if (mechanism == "CURVE" && request.size() > kRequestFrames && request[8].size() == 32) {
    std::array<char, 41> z85{};
    if (zmq_z85_encode(z85.data(), static_cast<const uint8_t*>(request[8].data()), 32)) {
      key = z85.data();
    }
  }
  std::optional<PeerId> peer;
  {
    std::lock_guard lock(keys_mutex_);
    if (auto it = allowed_.find(key); !key.empty() && it != allowed_.end()) peer = it->second;
  }
  if (!peer && hold_unknown_ && !sealed) return false;
  std::vector<zmq::message_t> reply;
  reply.emplace_back(request[0].data(), request[0].size());  // routing id
  reply.emplace_back();                                      // delimiter
  reply.emplace_back(std::string_view("1.0"));
  reply.emplace_back(request[3].data(), request[3].size());  // request id
  reply.emplace_back(std::string_view(peer ? "200" : "400"));
  reply.emplace_back(std::string_view(peer ? "OK" : "key not in the deployment"));
  reply.emplace_back(peer ? std::to_string(*peer) : std::string());  // User-Id
  reply.emplace_back();                                              // metadata
  (void)zmq::send_multipart(zap_, reply);
  if (!peer) {
    Refuse("refused a peer at " + address + ": " +
           (key.empty() ? "no CURVE key (mechanism " + mechanism + ")"
                        : "CURVE key " + key + " is not in the deployment"));
  }
  return true;
}

void ZapAuthenticator::OnMonitorEvent() {
  std::vector<zmq::message_t> event;
  if (!zmq::recv_multipart(monitor_, std::back_inserter(event), zmq::recv_flags::dontwait) ||
      event.empty() || event[0].size() < 6) {
    return;
  }
  uint16_t id = 0;
  uint32_t value = 0;
  std::memcpy(&id, event[0].data(), sizeof id);
  std::memcpy(&value, static_cast<const char*>(event[0].data()) + 2, sizeof value);
  if (id == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH) return;  // ZAP refused it: counted there
  const std::string endpoint = event.size() > 1 ? event[1].to_string() : std::string("?");
  Refuse("refused a connection on " + endpoint + ": " + Why(id, value));
}

void ZapAuthenticator::Serve() {
  try {
    while (true) {
      std::array<zmq::pollitem_t, 3> items{{{zap_.handle(), 0, ZMQ_POLLIN, 0},
                                            {monitor_.handle(), 0, ZMQ_POLLIN, 0},
                                            {wake_in_.handle(), 0, ZMQ_POLLIN, 0}}};
      zmq::poll(items.data(), items.size(), std::chrono::milliseconds(-1));
      if (items[2].revents & ZMQ_POLLIN) {
        zmq::message_t command;
        (void)wake_in_.recv(command, zmq::recv_flags::dontwait);
        if (command.to_string() == "stop") return;
        std::vector<std::vector<zmq::message_t>> held = std::move(held_);
        held_.clear();
        for (auto& request : held) (void)Answer(request, true);
      }
      if (items[0].revents & ZMQ_POLLIN) {
        std::vector<zmq::message_t> request;
        if (zmq::recv_multipart(zap_, std::back_inserter(request), zmq::recv_flags::dontwait)) {
          bool sealed = false;
          {
            std::lock_guard lock(keys_mutex_);
            sealed = sealed_;
          }
          if (!Answer(request, sealed)) held_.push_back(std::move(request));
        }
      }
      if (items[1].revents & ZMQ_POLLIN) OnMonitorEvent();
    }
  } catch (const zmq::error_t&) {
    // The context is shutting down: nothing left to authenticate.
  }
}

}  // namespace distcnn::transport
