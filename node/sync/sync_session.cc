#include "node/sync/sync_session.h"

#include <algorithm>
#include <chrono>
#include <system_error>

#include "node/sync/log_text.h"
#include "protocol/reconcile.h"
#include "protocol/verify_batch.h"

namespace credmesh {

SyncStats& SyncStats::operator+=(const SyncStats& o) {
  frames_sent += o.frames_sent;
  frames_received += o.frames_received;
  bytes_sent += o.bytes_sent;
  bytes_received += o.bytes_received;
  records_sent += o.records_sent;
  records_received += o.records_received;
  records_inserted += o.records_inserted;
  records_refused += o.records_refused;
  round_trips += o.round_trips;
  return *this;
}

const char* SessionStateName(SyncSession::State s) {
  switch (s) {
    case SyncSession::State::kStart:
      return "start";
    case SyncSession::State::kExpectWelcome:
      return "expect-welcome";
    case SyncSession::State::kExpectHello:
      return "expect-hello";
    case SyncSession::State::kSyncing:
      return "syncing";
    case SyncSession::State::kClosed:
      return "closed";
  }
  return "?";
}

SyncSession::SyncSession(SyncBackend& backend, PeerPolicy& policy, Clock& clock,
                         SessionOptions options)
    : backend_(backend),
      policy_(policy),
      clock_(clock),
      options_(std::move(options)),
      limits_(wire::HandshakeLimits()) {
  last_recv_ms_ = last_send_ms_ = started_ms_ = last_progress_ms_ = clock_.MonotonicMillis();
}

namespace {
bool IsHeartbeat(const wire::Message& m) {
  return std::holds_alternative<wire::Ping>(m) || std::holds_alternative<wire::Pong>(m);
}
}  // namespace

std::string SyncSession::Outcome() const {
  if (!closed()) return "";
  if (completed_) return "ok";
  // Error texts and scopes come from the peer (or quote what it sent): they
  // reach logs, the peers table and the terminal only escaped.
  auto describe = [](const char* what, const wire::Error& e) {
    return EscapeForLog(std::string(what) + " " + std::to_string(e.code) + " " +
                        std::string(wire::ErrorCodeName(e.code)) +
                        (e.text.empty() ? "" : ": " + e.text) +
                        (e.scope.empty() ? "" : " (scope " + e.scope + ")"));
  };
  if (error_received_) return describe("peer error", *error_received_);
  if (error_sent_) return describe("sent error", *error_sent_);
  return "closed by peer before completion";
}

void SyncSession::Send(const wire::Message& message) {
  out_.push_back(wire::Encode(message));
  last_send_ms_ = clock_.MonotonicMillis();
  if (!IsHeartbeat(message)) last_progress_ms_ = last_send_ms_;
}

SyncSession::~SyncSession() {
  // The peer is gone or the owner dropped the session: keep what arrived.
  Close();
}

void SyncSession::Fail(wire::ErrorCode code, std::string text, std::string scope) {
  // While closing, a frame that fails to store is dropped quietly: the
  // session already ended and sends at most one closing ERROR.
  if (closed() || closing_) return;
  wire::Error e;
  e.code = static_cast<int64_t>(code);
  if (text.size() > wire::kMaxText) text.resize(wire::kMaxText);
  e.text = std::move(text);
  e.scope = std::move(scope);
  if (code == wire::ErrorCode::kVersionUnsupported) e.versions = {wire::kProtocolVersion};
  Send(e);
  error_sent_ = e;
  Close();
}

void SyncSession::Close() {
  if (closed()) return;
  if (!closing_) {
    closing_ = true;
    // Whatever ends the session (completion, an ERROR either way, time-out,
    // the peer gone): store every frame received that verifies, so that
    // every attempt makes progress however early it is cut.
    SettleArrivals(0);
  }
  arrivals_.clear();
  // What was stored is verified and authorised: commit it (a failed commit
  // is rolled back, and the records come again).
  (void)backend_.Flush();
  state_ = State::kClosed;
}

void SyncSession::Abort(wire::ErrorCode code, const std::string& text) { Fail(code, text); }

void SyncSession::OnPeerError(const wire::Error& e) {
  if (e.code == static_cast<int64_t>(wire::ErrorCode::kRecordRejected)) {
    if (rejections_.size() < 64) rejections_.push_back(e);
    return;
  }
  error_received_ = e;
  Close();  // never answer an ERROR
}

void SyncSession::OnFrame(ByteView frame) {
  if (closed()) return;
  last_recv_ms_ = clock_.MonotonicMillis();
  ++stats_.frames_received;
  stats_.bytes_received += frame.size();
  if (sent_since_recv_) {
    ++stats_.round_trips;
    sent_since_recv_ = false;
  }
  auto message = wire::DecodeMessage(frame, limits_);
  if (!message.ok()) {
    Fail(wire::ErrorCodeFor(message.status()), message.status().message());
    return;
  }
  if (!IsHeartbeat(*message)) last_progress_ms_ = last_recv_ms_;
  Handle(std::move(*message));
  if (!closed()) Pump();
}

void SyncSession::Tick() {
  if (closed() || state_ == State::kStart) return;
  // Frames stop arriving (for now): store what is still being verified.
  SettleArrivals(0);
  if (closed()) return;
  const int64_t now = clock_.MonotonicMillis();
  if (now - last_recv_ms_ >= options_.idle_timeout_ms) {
    Fail(wire::ErrorCode::kTimeout,
         "nothing received for " + std::to_string(now - last_recv_ms_) + " ms");
    return;
  }
  if (now - last_progress_ms_ >= options_.progress_timeout_ms) {
    Fail(wire::ErrorCode::kTimeout,
         "no progress (only PING/PONG) for " + std::to_string(now - last_progress_ms_) + " ms");
    return;
  }
  if (now - started_ms_ >= options_.max_session_ms) {
    Fail(wire::ErrorCode::kTimeout,
         "session lifetime of " + std::to_string(options_.max_session_ms) + " ms reached");
    return;
  }
  if (state_ == State::kSyncing && now - last_send_ms_ >= options_.heartbeat_ms) {
    Send(wire::Ping{ping_nonce_++});
  }
}

std::optional<Bytes> SyncSession::NextFrame() {
  if (out_.empty() && !closed()) Pump();
  if (out_.empty()) return std::nullopt;
  Bytes f = std::move(out_.front());
  out_.pop_front();
  ++stats_.frames_sent;
  stats_.bytes_sent += f.size();
  sent_since_recv_ = true;
  return f;
}

bool SyncSession::IsGranted(const std::string& scope) const {
  return std::find(granted_.begin(), granted_.end(), scope) != granted_.end();
}

// ---- per-scope transfer (docs/protocol.md §9.3, §10.1) -------------------

void SyncSession::BeginScope(const std::string& scope, bool initiate) {
  run_.emplace();
  run_->scope = scope;
  if (!initiate) {
    run_->awaiting = true;  // the server waits for the client's initial RECONCILE
    return;
  }
  auto items = backend_.Items(scope);
  if (!items.ok()) return Fail(wire::ErrorCode::kInternal, items.status().ToString(), scope);
  auto rec = Reconciler::Create(**items, wire::ReconcileLimitsFor(limits_), session_id_);
  if (!rec.ok()) return Fail(wire::ErrorCode::kInternal, rec.status().ToString(), scope);
  auto first = rec->Initiate();
  if (!first.ok()) return Fail(wire::ErrorCode::kInternal, first.status().ToString(), scope);
  Send(wire::Reconcile{scope, std::move(*first)});
  run_->awaiting = true;
}

void SyncSession::HandleScoped(wire::Message& message) {
  const std::string* scope = nullptr;
  if (auto* m = std::get_if<wire::Reconcile>(&message)) scope = &m->scope;
  if (auto* m = std::get_if<wire::Records>(&message)) scope = &m->scope;
  if (auto* m = std::get_if<wire::Want>(&message)) scope = &m->scope;
  if (auto* m = std::get_if<wire::Done>(&message)) scope = &m->scope;
  if (scope == nullptr) return Fail(wire::ErrorCode::kOutOfOrder, "not a per-scope message");
  if (!IsGranted(*scope)) return Fail(wire::ErrorCode::kForbidden, "scope not granted", *scope);
  if (!run_ || run_->scope != *scope) {
    return Fail(wire::ErrorCode::kOutOfOrder, "not the scope being synchronised", *scope);
  }
  if (auto* m = std::get_if<wire::Reconcile>(&message)) OnReconcile(*m);
  if (auto* m = std::get_if<wire::Records>(&message)) OnRecords(*m);
  if (auto* m = std::get_if<wire::Want>(&message)) OnWant(*m);
  if (std::holds_alternative<wire::Done>(message)) OnDone();
}

void SyncSession::OnReconcile(const wire::Reconcile& m) {
  ScopeRun& r = *run_;
  if (r.run_over || !r.awaiting || r.reply || r.done_recv) {
    return Fail(wire::ErrorCode::kOutOfOrder, "RECONCILE not expected now", r.scope);
  }
  r.awaiting = false;
  auto items = backend_.Items(r.scope);
  if (!items.ok()) return Fail(wire::ErrorCode::kInternal, items.status().ToString(), r.scope);
  auto rec = Reconciler::Create(**items, wire::ReconcileLimitsFor(limits_), session_id_);
  if (!rec.ok()) return Fail(wire::ErrorCode::kInternal, rec.status().ToString(), r.scope);
  auto step = rec->Respond(m.payload);
  if (!step.ok()) return Fail(wire::ErrorCodeFor(step.status()), step.status().message(), r.scope);
  r.to_push.insert(r.to_push.end(), step->have_ids.begin(), step->have_ids.end());
  if (step->reply) {
    r.reply = std::move(*step->reply);
  } else {
    r.run_over = true;  // we received the final message
  }
}

void SyncSession::OnRecords(wire::Records& m) {
  ScopeRun& r = *run_;
  stats_.records_received += m.records.size();
  // We never send WANT, so after the peer's DONE no record may arrive.
  if (r.done_recv && !m.records.empty()) {
    return Fail(wire::ErrorCode::kOutOfOrder, "records pushed after DONE", r.scope);
  }
  arrivals_.push_back(Arrival{std::move(m.records), std::nullopt});
  // Starts its verification if a thread is free; bounded memory: past
  // max_frames_held, stores the oldest first.
  SettleArrivals(std::max(1u, options_.max_frames_held));
}

void SyncSession::StartVerifications() {
  // Verifications start in arrival order and end when the front is stored,
  // so the ones started are always the first arrivals.
  const size_t limit =
      std::min<size_t>(arrivals_.size(), 2 * std::max(1u, options_.verify_threads));
  for (size_t i = 0; i < limit; ++i) {
    Arrival& a = arrivals_[i];
    if (a.verified) continue;
    std::vector<Bytes> encoded = std::move(a.encoded);
    try {
      a.verified = std::async(std::launch::async, [e = std::move(encoded)]() mutable {
        return VerifyRecords(std::move(e), 1);
      });
    } catch (const std::system_error&) {
      // No thread to be had: verify here.
      std::promise<std::vector<Result<VerifiedRecord>>> now;
      now.set_value(VerifyRecords(std::move(encoded), 1));
      a.verified = now.get_future();
    }
  }
}

void SyncSession::SettleArrivals(size_t keep) {
  while (!closed() && run_ && !arrivals_.empty()) {
    StartVerifications();  // the oldest arrival is always among them
    auto& front = *arrivals_.front().verified;
    if (arrivals_.size() <= keep &&
        front.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
      return;
    }
    std::vector<Result<VerifiedRecord>> verified = front.get();
    arrivals_.pop_front();
    StartVerifications();  // a verify thread is free: keep it busy while we store
    Store(std::move(verified));
    if (arrivals_.empty() && !closed()) {
      // All received records are stored: commit them (the backend may have
      // grouped several frames into one transaction).
      if (Status s = backend_.Flush(); !s.ok()) {
        return Fail(wire::ErrorCode::kInternal, s.ToString(), run_->scope);
      }
    }
  }
}

void SyncSession::Store(std::vector<Result<VerifiedRecord>> verified) {
  if (closed() || !run_) return;
  ScopeRun& r = *run_;
  std::vector<VerifiedRecord> records;
  records.reserve(verified.size());
  for (auto& v : verified) {
    if (!v.ok())
      return Fail(wire::ErrorCode::kMalformed, "record: " + v.status().message(), r.scope);
    if (v->record().scope != r.scope) {
      return Fail(wire::ErrorCode::kForbidden,
                  "record " + v->id().hex() + " is of scope " + v->record().scope, r.scope);
    }
    records.push_back(std::move(*v));
  }
  if (!records.empty()) {
    auto res = backend_.Ingest(std::move(records));
    if (!res.ok()) return Fail(wire::ErrorCode::kInternal, res.status().ToString(), r.scope);
    stats_.records_inserted += res->inserted;
    stats_.records_refused += res->refused.size();
    for (const RecordId& id : res->refused) {
      if (closing_) break;  // no frame follows the closing one
      wire::Error e;
      e.code = static_cast<int64_t>(wire::ErrorCode::kRecordRejected);
      e.text = "record " + id.hex() + " refused by local policy";
      e.scope = r.scope;
      Send(e);
    }
  }
}

void SyncSession::OnWant(const wire::Want& m) {
  ScopeRun& r = *run_;
  if (r.done_recv) return Fail(wire::ErrorCode::kOutOfOrder, "WANT after DONE", r.scope);
  std::vector<Bytes> found;
  std::vector<RecordId> missing;
  if (Status s = backend_.Fetch(r.scope, m.ids, found, missing); !s.ok()) {
    return Fail(wire::ErrorCode::kInternal, s.ToString(), r.scope);
  }
  const size_t n = found.size();
  auto batches = wire::BatchRecords(r.scope, std::move(found), limits_);
  if (!batches.ok()) return Fail(wire::ErrorCode::kInternal, batches.status().ToString(), r.scope);
  for (const auto& b : *batches) Send(b);
  stats_.records_sent += n;
  if (!missing.empty()) Send(wire::Records{r.scope, {}, std::move(missing)});
}

void SyncSession::OnDone() {
  ScopeRun& r = *run_;
  if (r.done_recv) return Fail(wire::ErrorCode::kOutOfOrder, "second DONE", r.scope);
  r.done_recv = true;
}

bool SyncSession::Pump() {
  if (!run_ || closed()) return false;
  SettleArrivals(kNoWait);
  if (!run_ || closed()) return true;  // storing failed: the ERROR is queued
  ScopeRun& r = *run_;
  const size_t before = out_.size();
  if (!r.to_push.empty()) {
    // One batch per call keeps memory bounded; NextFrame calls again.
    const size_t k = std::min<size_t>(r.to_push.size(), static_cast<size_t>(limits_.max_records));
    std::vector<RecordId> ids(r.to_push.begin(),
                              r.to_push.begin() + static_cast<std::ptrdiff_t>(k));
    r.to_push.erase(r.to_push.begin(), r.to_push.begin() + static_cast<std::ptrdiff_t>(k));
    std::vector<Bytes> found;
    std::vector<RecordId> missing;  // vanished since reconciliation: nothing to push
    if (Status s = backend_.Fetch(r.scope, ids, found, missing); !s.ok()) {
      Fail(wire::ErrorCode::kInternal, s.ToString(), r.scope);
      return true;
    }
    const size_t n = found.size();
    auto batches = wire::BatchRecords(r.scope, std::move(found), limits_);
    if (!batches.ok()) {
      Fail(wire::ErrorCode::kInternal, batches.status().ToString(), r.scope);
      return true;
    }
    for (const auto& b : *batches) Send(b);
    stats_.records_sent += n;
    return true;
  }
  if (r.reply) {
    const bool final_reply = IsFinalReconcileMessage(*r.reply);
    Send(wire::Reconcile{r.scope, std::move(*r.reply)});
    r.reply.reset();
    if (final_reply) {
      r.run_over = true;
    } else {
      r.awaiting = true;
    }
  }
  if (r.run_over && r.to_push.empty() && arrivals_.empty() && !r.done_sent) {
    Send(wire::Done{r.scope});
    r.done_sent = true;
  }
  CheckComplete();
  return out_.size() > before;
}

void SyncSession::CheckComplete() {
  if (run_ && run_->done_sent && run_->done_recv && arrivals_.empty()) {
    backend_.ScopeCompleted(run_->scope);
    OnScopeComplete();
  }
}

}  // namespace credmesh
