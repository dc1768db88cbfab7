// Users of the console and the API against every backend under test (test_database.hpp): users
// added once, changed and removed with their sessions and tokens; sessions found until they
// expire, touched, ended and groomed; tokens found by their SHA-256 and listed newest first; the
// audit log newest first, filtered, paged, cut to its bounds and groomed; a database of the
// previous schema gains the tables.
#include <gtest/gtest.h>

#include <cstdint>

#include "storage/storage.hpp"
#include "storage_fixture.hpp"

namespace outpost::storage {
namespace {

using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;
using test::StorageTest;

TimePoint floor_ms(TimePoint t) {  // what the database keeps
  return TimePoint(std::chrono::floor<std::chrono::milliseconds>(t));
}

User user(std::string name, UserRole role, TimePoint created) {
  User u;
  u.name = std::move(name);
  u.role = role;
  u.password_hash = "$argon2id$v=19$m=65536,t=2,p=1$c2FsdA$" + u.name;
  u.created = created;
  return u;
}

WebSession session(std::string id, std::string user, TimePoint created, TimePoint expires) {
  WebSession s;
  s.id_sha256 = std::move(id);
  s.user = std::move(user);
  s.csrf = "csrf-" + s.id_sha256;
  s.address = "192.0.2.7";
  s.created = created;
  s.last_seen = created;
  s.expires = expires;
  return s;
}

ApiToken token(std::string user, std::string label, std::string sha256, TimePoint created) {
  ApiToken t;
  t.user = std::move(user);
  t.label = std::move(label);
  t.token_sha256 = std::move(sha256);
  t.created = created;
  return t;
}

AuditEntry entry(TimePoint at, std::string user, std::string action, std::string target,
                 bool ok = true) {
  AuditEntry e;
  e.at = at;
  e.user = std::move(user);
  e.address = "192.0.2.7";
  e.action = std::move(action);
  e.target = std::move(target);
  e.detail = R"({"comment":"x"})";
  e.ok = ok;
  return e;
}

AuditQuery audit_query(std::string user = "", std::string target = "",
                       std::optional<TimePoint> since = std::nullopt, std::size_t offset = 0,
                       std::size_t limit = 100) {
  AuditQuery q;
  q.user = std::move(user);
  q.target = std::move(target);
  q.since = since;
  q.offset = offset;
  q.limit = limit;
  return q;
}

std::vector<std::int64_t> ids_of(const std::vector<AuditEntry>& entries) {
  std::vector<std::int64_t> out;
  for (const auto& e : entries)
    out.push_back(e.id);
  return out;
}

TEST(UserRoles, HaveTheirNames) {
  EXPECT_EQ(user_role_name(UserRole::administrator), "administrator");
  EXPECT_EQ(user_role_name(UserRole::operator_role), "operator");
  EXPECT_EQ(user_role_name(UserRole::read_only), "read-only");
  for (UserRole role : {UserRole::administrator, UserRole::operator_role, UserRole::read_only})
    EXPECT_EQ(user_role_from_name(user_role_name(role)), role);
  EXPECT_FALSE(user_role_from_name("admin"));
  EXPECT_FALSE(user_role_from_name("read_only"));
  EXPECT_FALSE(user_role_from_name(""));
}

TEST_P(StorageTest, UsersAreAddedOnceListedByNameAndChanged) {
  auto db = open();
  ASSERT_TRUE(db);
  const TimePoint t0 = floor_ms(Clock::now()) - minutes(10);
  EXPECT_TRUE(db->users().value().empty());
  EXPECT_TRUE(db->add_user(user("alice", UserRole::administrator, t0)).value());
  EXPECT_TRUE(db->add_user(user("bob", UserRole::operator_role, t0 + seconds(1))).value());
  EXPECT_TRUE(db->add_user(user("Carol", UserRole::read_only, t0 + seconds(2))).value());
  // The name is taken: nothing changes.
  EXPECT_FALSE(db->add_user(user("alice", UserRole::read_only, t0 + seconds(3))).value());

  const auto all = db->users().value();
  ASSERT_EQ(all.size(), 3U);
  EXPECT_EQ(all[0].name, "Carol");  // byte order in both backends
  EXPECT_EQ(all[1].name, "alice");
  EXPECT_EQ(all[2].name, "bob");
  EXPECT_EQ(all[1].role, UserRole::administrator);
  EXPECT_EQ(all[2].role, UserRole::operator_role);
  EXPECT_EQ(all[0].role, UserRole::read_only);

  auto alice = db->user("alice").value();
  ASSERT_TRUE(alice);
  EXPECT_EQ(alice->role, UserRole::administrator);
  EXPECT_EQ(alice->password_hash, "$argon2id$v=19$m=65536,t=2,p=1$c2FsdA$alice");
  EXPECT_EQ(alice->created, t0);
  EXPECT_FALSE(alice->last_login);
  EXPECT_FALSE(db->user("nobody").value());
  EXPECT_FALSE(db->user("Alice").value());  // names are exact

  EXPECT_TRUE(db->set_user_password("alice", "$argon2id$new").value());
  EXPECT_FALSE(db->set_user_password("nobody", "$argon2id$new").value());
  EXPECT_TRUE(db->set_user_role("alice", UserRole::read_only).value());
  EXPECT_FALSE(db->set_user_role("nobody", UserRole::administrator).value());
  ASSERT_TRUE(db->record_login("alice", t0 + minutes(5)));
  ASSERT_TRUE(db->record_login("nobody", t0 + minutes(5)));  // nothing to record
  alice = db->user("alice").value();
  ASSERT_TRUE(alice);
  EXPECT_EQ(alice->password_hash, "$argon2id$new");
  EXPECT_EQ(alice->role, UserRole::read_only);
  EXPECT_EQ(alice->created, t0);
  ASSERT_TRUE(alice->last_login);
  EXPECT_EQ(*alice->last_login, t0 + minutes(5));
  // The others are untouched.
  const auto bob = db->user("bob").value();
  ASSERT_TRUE(bob);
  EXPECT_EQ(bob->role, UserRole::operator_role);
  EXPECT_FALSE(bob->last_login);

  // Another Storage changes a user this one has just read: this one sees the change.
  auto other = open();
  ASSERT_TRUE(other);
  ASSERT_TRUE(db->user("bob").value());
  ASSERT_TRUE(other->set_user_role("bob", UserRole::administrator).value());
  EXPECT_EQ(db->users().value()[2].role, UserRole::administrator);
  ASSERT_TRUE(db->set_user_role("bob", UserRole::operator_role).value());
  EXPECT_EQ(other->user("bob").value()->role, UserRole::operator_role);

  // Another server sees the same users.
  db.reset();
  auto reopened = open();
  ASSERT_TRUE(reopened);
  EXPECT_EQ(reopened->users().value().size(), 3U);
  EXPECT_EQ(reopened->user("alice").value()->role, UserRole::read_only);
}

TEST_P(StorageTest, RemovingAUserEndsTheirSessionsAndRemovesTheirTokens) {
  auto db = open();
  ASSERT_TRUE(db);
  const TimePoint now = floor_ms(Clock::now());
  const TimePoint later = now + minutes(30);
  ASSERT_TRUE(db->add_user(user("alice", UserRole::administrator, now)).value());
  ASSERT_TRUE(db->add_user(user("bob", UserRole::operator_role, now)).value());
  ASSERT_TRUE(db->create_session(session("s-alice-1", "alice", now, later)));
  ASSERT_TRUE(db->create_session(session("s-alice-2", "alice", now, later)));
  ASSERT_TRUE(db->create_session(session("s-bob", "bob", now, later)));
  ASSERT_TRUE(db->add_token(token("alice", "backup-script", "t-alice", now)));
  ASSERT_TRUE(db->add_token(token("bob", "report", "t-bob", now)));
  ASSERT_TRUE(db->append_audit(entry(now, "admin", "user.add", "alice")));

  EXPECT_TRUE(db->remove_user("alice").value());
  EXPECT_FALSE(db->user("alice").value());
  EXPECT_FALSE(db->session("s-alice-1", now).value());
  EXPECT_FALSE(db->session("s-alice-2", now).value());
  EXPECT_FALSE(db->token("t-alice").value());
  EXPECT_TRUE(db->tokens("alice").value().empty());
  // Bob keeps his, and the audit log keeps what alice's user did.
  EXPECT_TRUE(db->session("s-bob", now).value());
  EXPECT_TRUE(db->token("t-bob").value());
  EXPECT_EQ(db->users().value().size(), 1U);
  EXPECT_EQ(db->audit(audit_query("", "alice")).value().size(), 1U);
  // Nothing left to remove.
  EXPECT_FALSE(db->remove_user("alice").value());
  EXPECT_EQ(db->end_sessions_of("alice").value(), 0U);
}

TEST_P(StorageTest, OnlyAUsersNewestSessionsAreKept) {
  auto db = open();
  ASSERT_TRUE(db);
  const TimePoint now = floor_ms(Clock::now());
  const TimePoint later = now + minutes(30);
  ASSERT_TRUE(db->add_user(user("alice", UserRole::administrator, now)).value());
  ASSERT_TRUE(db->add_user(user("bob", UserRole::operator_role, now)).value());
  for (int i = 1; i <= 4; ++i) {
    ASSERT_TRUE(db->create_session(
        session("s-alice-" + std::to_string(i), "alice", now + milliseconds(i), later)));
  }
  ASSERT_TRUE(db->create_session(session("s-bob", "bob", now, later)));
  EXPECT_EQ(db->keep_newest_sessions("alice", 2).value(), 2U);
  EXPECT_FALSE(db->session("s-alice-1", now).value());
  EXPECT_FALSE(db->session("s-alice-2", now).value());
  EXPECT_TRUE(db->session("s-alice-3", now).value());
  EXPECT_TRUE(db->session("s-alice-4", now).value());
  EXPECT_TRUE(db->session("s-bob", now).value());  // another user's are not counted
  EXPECT_EQ(db->keep_newest_sessions("alice", 2).value(), 0U);
}

TEST_P(StorageTest, SessionsOfUnknownUsersAndDuplicateIdsAreRefused) {
  auto db = open();
  ASSERT_TRUE(db);
  const TimePoint now = floor_ms(Clock::now());
  ASSERT_TRUE(db->add_user(user("alice", UserRole::administrator, now)).value());
  EXPECT_FALSE(db->create_session(session("s1", "nobody", now, now + minutes(30))));
  EXPECT_FALSE(db->add_token(token("nobody", "x", "t1", now)));
  ASSERT_TRUE(db->create_session(session("s1", "alice", now, now + minutes(30))));
  EXPECT_FALSE(db->create_session(session("s1", "alice", now, now + minutes(30))));
  ASSERT_TRUE(db->add_token(token("alice", "x", "t1", now)));
  EXPECT_FALSE(db->add_token(token("alice", "y", "t1", now)));  // token_sha256 is unique
  // The storage goes on working after a refused statement.
  EXPECT_TRUE(db->session("s1", now).value());
  EXPECT_EQ(db->tokens("").value().size(), 1U);
}

TEST_P(StorageTest, SessionsAreFoundUntilTheyExpireTouchedEndedAndGroomed) {
  auto db = open();
  ASSERT_TRUE(db);
  const TimePoint t0 = floor_ms(Clock::now()) - minutes(60);
  ASSERT_TRUE(db->add_user(user("alice", UserRole::administrator, t0)).value());
  ASSERT_TRUE(db->add_user(user("bob", UserRole::read_only, t0)).value());
  WebSession s1 = session("s1", "alice", t0, t0 + minutes(30));
  s1.address = "2001:db8::7";
  ASSERT_TRUE(db->create_session(s1));

  auto found = db->session("s1", t0 + minutes(1)).value();
  ASSERT_TRUE(found);
  EXPECT_EQ(found->id_sha256, "s1");
  EXPECT_EQ(found->user, "alice");
  EXPECT_EQ(found->csrf, "csrf-s1");
  EXPECT_EQ(found->address, "2001:db8::7");
  EXPECT_EQ(found->created, t0);
  EXPECT_EQ(found->last_seen, t0);
  EXPECT_EQ(found->expires, t0 + minutes(30));
  EXPECT_FALSE(db->session("unknown", t0).value());
  // Expired at its expiry (expires <= now), and still there until groomed.
  EXPECT_TRUE(db->session("s1", t0 + minutes(30) - std::chrono::milliseconds(1)).value());
  EXPECT_FALSE(db->session("s1", t0 + minutes(30)).value());

  // Used: last_seen and expires move forward, and it is found again.
  ASSERT_TRUE(db->touch_session("s1", t0 + minutes(20), t0 + minutes(50)));
  ASSERT_TRUE(db->touch_session("unknown", t0 + minutes(20), t0 + minutes(50)));  // no-op
  found = db->session("s1", t0 + minutes(40)).value();
  ASSERT_TRUE(found);
  EXPECT_EQ(found->last_seen, t0 + minutes(20));
  EXPECT_EQ(found->expires, t0 + minutes(50));
  EXPECT_EQ(found->created, t0);

  // Another Storage (an admin command, another server) ends it: gone at once for this one too,
  // whose lookup holds no old snapshot (a read, or a write, would then miss the change).
  auto other = open();
  ASSERT_TRUE(other);
  ASSERT_TRUE(db->session("s1", t0 + minutes(40)).value());
  ASSERT_TRUE(other->end_session("s1"));
  EXPECT_EQ(db->end_sessions_of("alice").value(), 0U);
  EXPECT_FALSE(db->session("s1", t0 + minutes(40)).value());
  ASSERT_TRUE(db->create_session(session("s1", "alice", t0, t0 + minutes(30))));
  EXPECT_TRUE(other->session("s1", t0).value());
  ASSERT_TRUE(db->end_session("s1"));
  ASSERT_TRUE(db->end_session("s1"));  // again: nothing to do
  EXPECT_FALSE(db->session("s1", t0).value());

  // Every session of a user (a new password): only theirs.
  ASSERT_TRUE(db->create_session(session("a1", "alice", t0, t0 + minutes(90))));
  ASSERT_TRUE(db->create_session(session("a2", "alice", t0, t0 + minutes(90))));
  ASSERT_TRUE(db->create_session(session("b1", "bob", t0, t0 + minutes(90))));
  EXPECT_EQ(db->end_sessions_of("alice").value(), 2U);
  EXPECT_EQ(db->end_sessions_of("alice").value(), 0U);
  EXPECT_FALSE(db->session("a1", t0).value());
  EXPECT_TRUE(db->session("b1", t0).value());

  // Grooming deletes the expired ones (expires <= now) only.
  ASSERT_TRUE(db->create_session(session("old1", "alice", t0, t0 + minutes(10))));
  ASSERT_TRUE(db->create_session(session("old2", "bob", t0, t0 + minutes(20))));
  ASSERT_TRUE(db->create_session(session("edge", "bob", t0, t0 + minutes(30))));
  EXPECT_EQ(db->groom_sessions(t0 + minutes(30)).value(), 3U);
  EXPECT_EQ(db->groom_sessions(t0 + minutes(30)).value(), 0U);
  EXPECT_TRUE(db->session("b1", t0 + minutes(30)).value());
  EXPECT_FALSE(db->session("edge", t0).value());
}

TEST_P(StorageTest, TokensAreFoundListedNewestFirstTouchedAndRemoved) {
  auto db = open();
  ASSERT_TRUE(db);
  const TimePoint t0 = floor_ms(Clock::now()) - minutes(60);
  ASSERT_TRUE(db->add_user(user("alice", UserRole::administrator, t0)).value());
  ASSERT_TRUE(db->add_user(user("bob", UserRole::operator_role, t0)).value());
  const auto first = db->add_token(token("alice", "backup-script", std::string(64, 'a'), t0));
  const auto second = db->add_token(token("bob", "report", std::string(64, 'b'), t0 + minutes(1)));
  const auto third = db->add_token(token("alice", "deploy", std::string(64, 'c'), t0 + minutes(2)));
  ASSERT_TRUE(first && second && third);
  EXPECT_GT(*first, 0);
  EXPECT_NE(*first, *second);
  EXPECT_NE(*second, *third);

  auto found = db->token(std::string(64, 'a')).value();
  ASSERT_TRUE(found);
  EXPECT_EQ(found->id, *first);
  EXPECT_EQ(found->user, "alice");
  EXPECT_EQ(found->label, "backup-script");
  EXPECT_EQ(found->token_sha256, std::string(64, 'a'));
  EXPECT_EQ(found->created, t0);
  EXPECT_FALSE(found->last_used);
  EXPECT_FALSE(db->token(std::string(64, 'd')).value());

  const auto all = db->tokens("").value();
  ASSERT_EQ(all.size(), 3U);
  EXPECT_EQ(all[0].label, "deploy");  // newest first
  EXPECT_EQ(all[1].label, "report");
  EXPECT_EQ(all[2].label, "backup-script");
  const auto alices = db->tokens("alice").value();
  ASSERT_EQ(alices.size(), 2U);
  EXPECT_EQ(alices[0].id, *third);
  EXPECT_EQ(alices[1].id, *first);
  EXPECT_TRUE(db->tokens("nobody").value().empty());

  ASSERT_TRUE(db->touch_token(*first, t0 + minutes(30)));
  ASSERT_TRUE(db->touch_token(*first + 1000, t0 + minutes(30)));  // no such token: no-op
  found = db->token(std::string(64, 'a')).value();
  ASSERT_TRUE(found && found->last_used);
  EXPECT_EQ(*found->last_used, t0 + minutes(30));
  EXPECT_FALSE(db->token(std::string(64, 'b')).value()->last_used);

  EXPECT_TRUE(db->remove_token(*first).value());
  EXPECT_FALSE(db->remove_token(*first).value());
  EXPECT_FALSE(db->token(std::string(64, 'a')).value());
  EXPECT_EQ(db->tokens("alice").value().size(), 1U);
  EXPECT_EQ(db->tokens("").value().size(), 2U);
}

TEST_P(StorageTest, TheAuditLogIsNewestFirstFilteredPagedAndGroomed) {
  auto db = open();
  ASSERT_TRUE(db);
  const TimePoint t0 = floor_ms(Clock::now()) - minutes(60);
  // Ten entries a minute apart, and two more in the last one's millisecond (ids break the tie).
  std::vector<std::int64_t> ids;
  for (int i = 0; i < 10; ++i) {
    const std::string who = i % 2 == 0 ? "alice" : "bob";
    const std::string target = i % 3 == 0 ? "a1.lab.test" : "a2.lab.test";
    auto id = db->append_audit(entry(t0 + minutes(i), who, "agent.approve", target, i != 4));
    ASSERT_TRUE(id);
    ids.push_back(*id);
  }
  for (int i = 0; i < 2; ++i) {
    auto id = db->append_audit(entry(t0 + minutes(9), "carol", "alerts.ack", "42"));
    ASSERT_TRUE(id);
    ids.push_back(*id);
  }
  for (std::size_t i = 1; i < ids.size(); ++i)
    EXPECT_GT(ids[i], ids[i - 1]);

  const auto all = db->audit(audit_query()).value();
  ASSERT_EQ(all.size(), 12U);
  EXPECT_EQ(ids_of(all), std::vector<std::int64_t>(ids.rbegin(), ids.rend()));  // newest first
  const AuditEntry& fifth = all[7];                                             // i = 4
  EXPECT_EQ(fifth.id, ids[4]);
  EXPECT_EQ(fifth.at, t0 + minutes(4));
  EXPECT_EQ(fifth.user, "alice");
  EXPECT_EQ(fifth.address, "192.0.2.7");
  EXPECT_EQ(fifth.action, "agent.approve");
  EXPECT_EQ(fifth.target, "a2.lab.test");
  EXPECT_EQ(fifth.detail, R"({"comment":"x"})");
  EXPECT_FALSE(fifth.ok);
  EXPECT_TRUE(all[6].ok);

  // By user, by target, both, by time.
  EXPECT_EQ(ids_of(db->audit(audit_query("alice")).value()),
            (std::vector<std::int64_t>{ids[8], ids[6], ids[4], ids[2], ids[0]}));
  EXPECT_EQ(ids_of(db->audit(audit_query("", "a1.lab.test")).value()),
            (std::vector<std::int64_t>{ids[9], ids[6], ids[3], ids[0]}));
  EXPECT_EQ(ids_of(db->audit(audit_query("bob", "a1.lab.test")).value()),
            (std::vector<std::int64_t>{ids[9], ids[3]}));
  EXPECT_EQ(ids_of(db->audit(audit_query("", "", t0 + minutes(8))).value()),
            (std::vector<std::int64_t>{ids[11], ids[10], ids[9], ids[8]}));
  EXPECT_EQ(ids_of(db->audit(audit_query("alice", "", t0 + minutes(5))).value()),
            (std::vector<std::int64_t>{ids[8], ids[6]}));
  EXPECT_TRUE(db->audit(audit_query("nobody")).value().empty());
  EXPECT_TRUE(db->audit(audit_query("", "", t0 + minutes(10))).value().empty());

  // Pages: offset and limit, alone and with a filter; past the end is empty.
  EXPECT_EQ(ids_of(db->audit(audit_query("", "", std::nullopt, 0, 3)).value()),
            (std::vector<std::int64_t>{ids[11], ids[10], ids[9]}));
  EXPECT_EQ(ids_of(db->audit(audit_query("", "", std::nullopt, 3, 3)).value()),
            (std::vector<std::int64_t>{ids[8], ids[7], ids[6]}));
  EXPECT_EQ(ids_of(db->audit(audit_query("alice", "", std::nullopt, 1, 2)).value()),
            (std::vector<std::int64_t>{ids[6], ids[4]}));
  EXPECT_EQ(ids_of(db->audit(audit_query("", "", std::nullopt, 10, 100)).value()),
            (std::vector<std::int64_t>{ids[1], ids[0]}));
  EXPECT_TRUE(db->audit(audit_query("", "", std::nullopt, 12, 100)).value().empty());
  EXPECT_TRUE(db->audit(audit_query("", "", std::nullopt, 0, 0)).value().empty());
  EXPECT_EQ(db->audit(audit_query("", "", std::nullopt, 0, SIZE_MAX)).value().size(), 12U);
  EXPECT_EQ(db->audit(audit_query("", "", std::nullopt, 2, SIZE_MAX)).value().size(), 10U);

  // Grooming: the entries before t0 + 5 min go (i = 0..4).
  EXPECT_EQ(db->groom_audit(t0 + minutes(5)).value(), 5U);
  EXPECT_EQ(db->groom_audit(t0 + minutes(5)).value(), 0U);
  const auto left = db->audit(audit_query()).value();
  ASSERT_EQ(left.size(), 7U);
  EXPECT_EQ(left.back().id, ids[5]);
}

TEST_P(StorageTest, TheAuditLogCutsItsFieldsOnACharacterBoundary) {
  auto db = open();
  ASSERT_TRUE(db);
  const TimePoint now = floor_ms(Clock::now());
  // 999 bytes and a two-byte character: the character does not fit whole, so it goes.
  AuditEntry e = entry(now, "alice", "agent.approve", "a1.lab.test");
  e.detail = std::string(999, 'd') + "\xC3\xA9";
  ASSERT_TRUE(db->append_audit(e));
  e.detail = std::string(5000, 'x');
  e.action = std::string(300, 'a');
  e.target = std::string(254, 't') + "\xE2\x82\xAC";  // a three-byte character at byte 254
  e.address = std::string(400, '1');
  e.user = std::string(300, 'u');
  ASSERT_TRUE(db->append_audit(e));
  // A refused login with a name that is not UTF-8 is still recorded (PostgreSQL takes only
  // valid text), and found by that same name.
  AuditEntry odd = entry(now + seconds(1), "b\xFFob", "login.failed", "b\xFFob", false);
  ASSERT_TRUE(db->append_audit(odd));

  const auto all = db->audit(audit_query()).value();
  ASSERT_EQ(all.size(), 3U);
  EXPECT_EQ(all[2].detail, std::string(999, 'd'));
  EXPECT_EQ(all[1].detail, std::string(1000, 'x'));
  EXPECT_EQ(all[1].action, std::string(255, 'a'));
  EXPECT_EQ(all[1].target, std::string(254, 't'));
  EXPECT_EQ(all[1].address, std::string(255, '1'));
  EXPECT_EQ(all[1].user, std::string(255, 'u'));
  EXPECT_EQ(all[0].user, "b\xEF\xBF\xBDob");  // U+FFFD
  EXPECT_EQ(all[0].action, "login.failed");
  EXPECT_FALSE(all[0].ok);
  // Filters match the names as they were kept.
  EXPECT_EQ(db->audit(audit_query(std::string(300, 'u'))).value().size(), 1U);
  EXPECT_EQ(db->audit(audit_query("b\xFFob", "b\xFFob")).value().size(), 1U);
}

// A database of version 7 (before the console and 0009's alert column) gains the tables and the
// column at open and keeps what it held.
TEST_P(StorageTest, AVersion7DatabaseGainsTheConsoleTables) {
  auto db = open();
  ASSERT_TRUE(db);
  ASSERT_TRUE(db->approve_gateway("gw1.lab.test", false, ""));
  db.reset();
  db_->exec(
      "DROP TABLE audit_log; DROP TABLE api_tokens; DROP TABLE web_sessions; DROP TABLE users; "
      "ALTER TABLE alerts DROP COLUMN newest_occurrence_ms; "
      "DELETE FROM schema_migrations WHERE version IN (8, 9)");
  auto upgraded = open();
  ASSERT_TRUE(upgraded);
  EXPECT_EQ(upgraded->schema_version().value(), 9);
  EXPECT_TRUE(upgraded->computer("gw1.lab.test").value());
  const TimePoint now = floor_ms(Clock::now());
  EXPECT_TRUE(upgraded->add_user(user("alice", UserRole::administrator, now)).value());
  ASSERT_TRUE(upgraded->create_session(session("s1", "alice", now, now + minutes(30))));
  EXPECT_TRUE(upgraded->session("s1", now).value());
  ASSERT_TRUE(upgraded->add_token(token("alice", "x", "t1", now)));
  ASSERT_TRUE(upgraded->append_audit(entry(now, "alice", "user.add", "alice")));
  EXPECT_EQ(upgraded->audit(audit_query()).value().size(), 1U);
}

}  // namespace
}  // namespace outpost::storage
