#include "node/sync/sync_session.h"

#include <algorithm>
#include <chrono>
#include <system_error>

#include "node/sync/log_text.h"
#include "protocol/crypto.h"
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
  chunks_sent += o.chunks_sent;
  chunk_bytes_sent += o.chunk_bytes_sent;
  chunks_received += o.chunks_received;
  chunk_bytes_received += o.chunk_bytes_received;
  chunks_rejected += o.chunks_rejected;
  chunks_unavailable += o.chunks_unavailable;
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
    case SyncSession::State::kFiles:
      return "files";
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

// Requests a peer may have outstanding with us (docs/protocol.md §7, §13):
// WANTs not fully answered, PINGs whose PONG has not gone out.
constexpr size_t kMaxWantsOutstanding = 4;
constexpr size_t kMaxPingsUnanswered = 4;
// ERROR 422 frames queued for a peer that does not read them: further
// refusals are not reported (the records are stored as denied all the same).
constexpr size_t kMaxRejectionsQueued = 64;

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
  OutKind kind = OutKind::kData;
  if (std::holds_alternative<wire::Pong>(message)) kind = OutKind::kPong;
  if (std::holds_alternative<wire::Ping>(message)) kind = OutKind::kPing;
  if (const auto* e = std::get_if<wire::Error>(&message);
      e && e->code == static_cast<int64_t>(wire::ErrorCode::kRecordRejected)) {
    kind = OutKind::kRejection;
  }
  Queue(wire::Encode(message), kind);
  last_send_ms_ = clock_.MonotonicMillis();
  if (!IsHeartbeat(message)) last_progress_ms_ = last_send_ms_;
}

void SyncSession::Queue(Bytes bytes, OutKind kind) {
  out_bytes_ += static_cast<int64_t>(bytes.size());
  if (kind == OutKind::kPong) ++pongs_queued_;
  if (kind == OutKind::kRejection) ++rejections_queued_;
  const bool urgent = kind == OutKind::kPong || kind == OutKind::kPing || kind == OutKind::kProbe;
  (urgent ? urgent_ : out_).push_back(OutFrame{std::move(bytes), kind});
}

bool SyncSession::window_full() const {
  return (state_ == State::kSyncing || state_ == State::kFiles) &&
         sent_total_ - acked_total_ >= options_.send_window_bytes;
}

void SyncSession::OnPong(const wire::Pong& p) {
  if (probe_ && probe_->at_total >= 0 && p.nonce == probe_->nonce) {
    acked_total_ = probe_->at_total;  // the peer read everything up to the probe
    probe_.reset();
  }
}

void SyncSession::Disconnected() {
  Close();
  out_.clear();
  urgent_.clear();
  out_bytes_ = 0;
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
  if (code == wire::ErrorCode::kVersionUnsupported) e.versions = SupportedVersions();
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
  // Chunks that arrived are kept too, names and all, once stored (a failed
  // commit drops them: the next session fetches them again).
  while (storer_ && storer_->pending() > 0) (void)TakeStored(true);
  if (chunks_uncommitted_ > 0 || chunks_committed_) {
    (void)options_.chunks->CommitChunks();
    (void)options_.chunks->CommitChunks();  // the last renames
    chunks_uncommitted_ = 0;
  }
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
  if (auto* p = std::get_if<wire::Pong>(&*message)) OnPong(*p);
  if (std::holds_alternative<wire::Ping>(*message) && pongs_queued_ >= kMaxPingsUnanswered) {
    return Fail(wire::ErrorCode::kTooLarge,
                "more than " + std::to_string(kMaxPingsUnanswered) +
                    " PINGs unanswered: the peer does not read its PONGs");
  }
  Handle(std::move(*message));
  if (!closed()) Pump();
}

void SyncSession::Tick() {
  if (closed() || state_ == State::kStart) return;
  // Frames stop arriving (for now): store what is still being verified,
  // and count the chunks stored meanwhile.
  SettleArrivals(0);
  if (closed() || !TakeStored(false)) return;
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
  if (now - last_send_ms_ >= options_.heartbeat_ms) Ping();
}

void SyncSession::Ping() {
  if (closed() || (state_ != State::kSyncing && state_ != State::kFiles)) return;
  Send(wire::Ping{ping_nonce_++});
}

std::optional<Bytes> SyncSession::NextFrame() {
  OutFrame f;
  if (!urgent_.empty()) {
    f = std::move(urgent_.front());
    urgent_.pop_front();
  } else {
    // Past the window, nothing but PING/PONG until the peer shows it reads.
    if (!closed() && window_full()) return std::nullopt;
    if (out_.empty() && !closed()) Pump();
    if (!urgent_.empty()) return NextFrame();
    if (out_.empty()) return std::nullopt;
    f = std::move(out_.front());
    out_.pop_front();
  }
  out_bytes_ -= static_cast<int64_t>(f.bytes.size());
  if (f.kind == OutKind::kPong) --pongs_queued_;
  if (f.kind == OutKind::kRejection) --rejections_queued_;
  ++stats_.frames_sent;
  stats_.bytes_sent += f.bytes.size();
  sent_total_ += static_cast<int64_t>(f.bytes.size());
  sent_since_recv_ = true;
  if (f.kind == OutKind::kProbe && probe_) probe_->at_total = sent_total_;
  // Half the window unacknowledged: ask the peer to show it reads. The
  // nonce is random so that a peer cannot acknowledge what it never read.
  if (!probe_ && !closed() && (state_ == State::kSyncing || state_ == State::kFiles) &&
      sent_total_ - acked_total_ >= options_.send_window_bytes / 2) {
    uint64_t nonce = 0;
    RandomBytes(reinterpret_cast<uint8_t*>(&nonce), sizeof nonce);
    probe_ = Probe{static_cast<int64_t>(nonce >> 1), -1};
    Queue(wire::Encode(wire::Ping{probe_->nonce}), OutKind::kProbe);
  }
  return std::move(f.bytes);
}

bool SyncSession::IsGranted(const std::string& scope) const {
  return std::find(granted_.begin(), granted_.end(), scope) != granted_.end();
}

// ---- per-scope transfer (docs/protocol.md §9.3, §10.1) -------------------

void SyncSession::BeginScope(const std::string& scope, bool initiate) {
  run_ = ScopeRun{};  // not emplace(): clang 14 deems ScopeRun not default-constructible there
  wanted_.clear();
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
    auto res = backend_.Ingest(std::move(records), remote_key_);
    if (!res.ok()) return Fail(wire::ErrorCode::kInternal, res.status().ToString(), r.scope);
    stats_.records_inserted += res->inserted;
    stats_.records_refused += res->refused.size();
    for (const RecordId& id : res->refused) {
      if (closing_) break;                                    // no frame follows the closing one
      if (rejections_queued_ >= kMaxRejectionsQueued) break;  // the peer does not read them
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
  // Enforced here, on the receiving side: answers are produced one frame at
  // a time as the peer reads them, and a peer that asks on without reading
  // is dropped instead of queued for.
  if (wanted_.size() >= kMaxWantsOutstanding) {
    return Fail(wire::ErrorCode::kTooLarge,
                "more than " + std::to_string(kMaxWantsOutstanding) + " WANTs outstanding",
                r.scope);
  }
  wanted_.emplace_back(m.ids.begin(), m.ids.end());
}

Status SyncSession::SendBatch(std::deque<RecordId>& ids, std::vector<RecordId>* missing) {
  const std::string& scope = run_->scope;
  // Room for the envelope, the scope and the missing ids' headers.
  const int64_t budget = limits_.max_message_bytes - 4096;
  std::vector<Bytes> found;
  std::vector<RecordId> absent;
  int64_t bytes = 0;
  while (!ids.empty() && found.size() < static_cast<size_t>(limits_.max_records) &&
         absent.size() < static_cast<size_t>(limits_.max_ids)) {
    std::vector<Bytes> one;
    std::vector<RecordId> gone;
    CREDMESH_RETURN_IF_ERROR(backend_.Fetch(scope, {ids.front()}, one, gone));
    if (!one.empty()) {
      const int64_t need = static_cast<int64_t>(one.front().size()) + 5;
      if (bytes + need > budget && !found.empty()) break;  // the next frame takes it
      bytes += need;
      found.push_back(std::move(one.front()));
    } else if (missing != nullptr) {
      bytes += 34;
      absent.push_back(ids.front());
    }
    ids.pop_front();
  }
  if (found.empty() && absent.empty()) return Status::Ok();
  stats_.records_sent += found.size();
  Send(wire::Records{scope, std::move(found), std::move(absent)});
  return Status::Ok();
}

void SyncSession::OnDone() {
  ScopeRun& r = *run_;
  if (r.done_recv) return Fail(wire::ErrorCode::kOutOfOrder, "second DONE", r.scope);
  r.done_recv = true;
}

bool SyncSession::Pump() {
  if (closed()) return false;
  if (!run_) return PumpFiles();
  SettleArrivals(kNoWait);
  if (!run_ || closed()) return true;  // storing failed: the ERROR is queued
  // Produce only once what was produced is out and the window is open, so a
  // session holds at most one RECORDS frame it made (NextFrame calls again).
  if (!out_.empty() || window_full()) return false;
  ScopeRun& r = *run_;
  const size_t before = out_.size();
  // WANT answers first (never delayed by anything else, §9.3), then pushes.
  if (!wanted_.empty() || !r.to_push.empty()) {
    const bool want = !wanted_.empty();
    std::vector<RecordId> missing;
    Status s = SendBatch(want ? wanted_.front() : r.to_push, want ? &missing : nullptr);
    if (!s.ok()) {
      Fail(wire::ErrorCode::kInternal, s.ToString(), r.scope);
      return true;
    }
    if (want && wanted_.front().empty()) wanted_.pop_front();
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

// ---- file phase (docs/protocol.md §16) ------------------------------------

namespace credmesh {

std::vector<int64_t> SyncSession::SupportedVersions() const {
  if (options_.chunks == nullptr) return {wire::kProtocolVersion};
  return {wire::kProtocolVersion, wire::kFilesVersion};
}

void SyncSession::BeginFiles() {
  auto list = options_.chunks->ChunksToFetch(granted_, options_.max_fetch_list);
  if (!list.ok()) return Fail(wire::ErrorCode::kInternal, list.status().ToString());
  fetch_.assign(list->begin(), list->end());
  if (options_.chunk_store_thread && !fetch_.empty()) {
    storer_ = std::make_unique<ChunkStorer>(*options_.chunks);
  }
  state_ = State::kFiles;
  files_started_ms_ = clock_.MonotonicMillis();
  paced_bytes_ = 0;
  PumpFiles();  // the first GETs, or FETCHED if there is nothing to fetch
}

void SyncSession::OnChunk(wire::Chunk& m) {
  if (outstanding_.empty() || outstanding_.front() != m.hash) {
    return Fail(wire::ErrorCode::kOutOfOrder,
                "CHUNK " + m.hash.hex() + " does not answer the oldest outstanding GET");
  }
  outstanding_.pop_front();
  // The GET was paced as a full chunk; count what came.
  paced_bytes_ -= static_cast<int64_t>(wire::kMaxChunkBytes);
  if (!m.data) {
    ++stats_.chunks_unavailable;  // not from this peer: a later session, or another peer
    return;
  }
  paced_bytes_ += static_cast<int64_t>(m.data->size());
  if (storer_) {
    // Hashed and written on the storer's thread; counted by TakeStored.
    storer_->Store(m.hash, std::move(*m.data));
  } else {
    const uint64_t bytes = m.data->size();
    if (!OnStored(m.hash, bytes, options_.chunks->StoreChunk(m.hash, *m.data))) return;
  }
  // One durable commit per ChunksPerCommit chunks, not one per chunk (§16.3).
  if (++chunks_uncommitted_ >= ChunksPerCommit()) (void)CommitChunks();
}

bool SyncSession::OnStored(const Hash256& hash, uint64_t bytes, const Status& s) {
  if (s.ok()) {
    ++stats_.chunks_received;
    stats_.chunk_bytes_received += bytes;
    return true;
  }
  if (s.code() != Status::Code::kCorruption) {
    Fail(wire::ErrorCode::kInternal, "storing chunk " + hash.hex() + ": " + s.ToString());
    return false;
  }
  // Bad bytes: nothing stored; counted against the peer, asked for again.
  ++stats_.chunks_rejected;
  if (++bad_chunks_ >= std::max(1u, options_.max_bad_chunks)) {
    Fail(wire::ErrorCode::kMalformed,
         "corrupt chunks: " + std::to_string(bad_chunks_) + " did not match their hash");
    return false;
  }
  fetch_.push_back(hash);
  return true;
}

bool SyncSession::TakeStored(bool wait) {
  if (!storer_) return true;
  for (bool first = true;; first = false) {
    std::optional<ChunkStorer::Done> d;
    if (wait && first && storer_->pending() > 0) {
      d = storer_->Wait();
    } else {
      d = storer_->Poll();
    }
    if (!d) return true;
    if (d->commit) {
      if (!d->status.ok()) {
        Fail(wire::ErrorCode::kInternal, "storing chunks: " + d->status.ToString());
        return false;
      }
      continue;
    }
    if (!OnStored(d->hash, d->bytes, d->status)) return false;
  }
}

void SyncSession::OnFetched() {
  if (fetched_recv_) return Fail(wire::ErrorCode::kOutOfOrder, "second FETCHED");
  fetched_recv_ = true;
}

void SyncSession::OnGet(const wire::Get& m, bool allowed) {
  if (state_ != State::kFiles) {
    if (!allowed || !run_ || !run_->done_recv) {
      return Fail(wire::ErrorCode::kOutOfOrder, "GET before the last scope's DONE");
    }
    // The peer's last scope is complete: finish storing what it pushed,
    // which completes ours and begins our file phase.
    SettleArrivals(0);
    if (closed()) return;
    CheckComplete();
    if (closed()) return;
    if (state_ != State::kFiles) {
      return Fail(wire::ErrorCode::kOutOfOrder, "GET before the last scope is complete");
    }
  }
  if (gets_.size() >= wire::kMaxGetsOutstanding) {
    return Fail(wire::ErrorCode::kTooLarge,
                "more than " + std::to_string(wire::kMaxGetsOutstanding) + " GETs outstanding");
  }
  gets_.push_back(m.hash);
}

size_t SyncSession::ChunkCredit() const {
  return std::clamp<size_t>(options_.chunk_credit, 1, wire::kMaxGetsOutstanding);
}

size_t SyncSession::ChunksPerCommit() const {
  return std::max<size_t>(ChunkCredit(), options_.chunks_per_commit);
}

bool SyncSession::CommitChunks() {
  if (chunks_uncommitted_ == 0 || options_.chunks == nullptr) return true;
  chunks_uncommitted_ = 0;
  chunks_committed_ = true;
  if (storer_) {
    storer_->Commit();
    return true;
  }
  if (Status s = options_.chunks->CommitChunks(); !s.ok()) {
    Fail(wire::ErrorCode::kInternal, "storing chunks: " + s.ToString());
    return false;
  }
  return true;
}

bool SyncSession::PaceAllows() const {
  if (options_.max_rate_bytes <= 0) return true;
  // What moved so far within rate x time; the first chunk is the burst.
  const int64_t elapsed = clock_.MonotonicMillis() - files_started_ms_;
  return paced_bytes_ <= options_.max_rate_bytes * elapsed / 1000;
}

bool SyncSession::PumpFiles() {
  if (closed() || state_ != State::kFiles || !out_.empty() || window_full()) return false;
  if (!TakeStored(false)) return true;
  if (!gets_.empty() && PaceAllows()) {
    // Answer the peer: one CHUNK at a time, made once the previous frame is out.
    const Hash256 h = gets_.front();
    gets_.pop_front();
    auto data = options_.chunks->ServeChunk(granted_, h);
    if (!data.ok()) {
      Fail(wire::ErrorCode::kInternal, data.status().ToString());
      return true;
    }
    if (*data) {
      ++stats_.chunks_sent;
      stats_.chunk_bytes_sent += (*data)->size();
      paced_bytes_ += static_cast<int64_t>((*data)->size());
    }
    Send(wire::Chunk{h, std::move(*data)});
  }
  for (;;) {
    // Ask: GETs within the credit and the pace, while the storer keeps up.
    while (!fetch_.empty() && outstanding_.size() < ChunkCredit() && StoreRoom() && PaceAllows()) {
      outstanding_.push_back(fetch_.front());
      fetch_.pop_front();
      paced_bytes_ += static_cast<int64_t>(wire::kMaxChunkBytes);
      Send(wire::Get{outstanding_.back()});
    }
    // Nothing coming (all fetched, or the pace holds the next GET back):
    // what arrived is made durable now rather than at the commit's end.
    if (outstanding_.empty() && chunks_uncommitted_ > 0 && (fetch_.empty() || !PaceAllows())) {
      if (!CommitChunks()) return true;
    }
    // With nothing in flight and nothing else to do, only the chunks being
    // stored can give this side more to do (a rejected one is asked for
    // again): wait for them here, since no frame will come to wake us.
    if (!outstanding_.empty() || StoringIdle() || !out_.empty() || !gets_.empty()) break;
    if (!TakeStored(true)) return true;
  }
  if (fetch_.empty() && outstanding_.empty() && StoringIdle() && !fetched_sent_) {
    Send(wire::Fetched{});
    fetched_sent_ = true;
  }
  if (fetched_sent_ && fetched_recv_ && gets_.empty()) OnFilesDone();
  return !out_.empty();
}

}  // namespace credmesh
