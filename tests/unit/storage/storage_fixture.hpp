// The fixture of the Storage tests that run against every backend under test (test_database.hpp):
// each test gets a fresh, empty database. Instantiated once, in storage_test.cpp.
#pragma once

#include <gtest/gtest.h>

#include "storage/storage.hpp"
#include "test_database.hpp"

namespace outpost::storage::test {

class StorageTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override { db_ = TestDatabase::create(GetParam()); }

  std::unique_ptr<Storage> open() {
    auto storage = open_storage(db_->url());
    EXPECT_TRUE(storage) << (storage ? "" : storage.error().describe());
    return storage ? std::move(*storage) : nullptr;
  }

  std::unique_ptr<TestDatabase> db_;
};

}  // namespace outpost::storage::test
