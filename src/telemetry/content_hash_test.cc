#include "telemetry/content_hash.h"

#include <gtest/gtest.h>

#include "telemetry/csv_reader.h"

namespace aiotops::telemetry {
namespace {

Dataset read(std::string_view text) {
  ReadOptions options;
  options.features = {"current", "temperature"};
  auto data = parse_csv(text, "data.csv", options);
  EXPECT_TRUE(data.has_value()) << data.error().message();
  return data ? std::move(*data) : Dataset();
}

constexpr std::string_view kPlain =
    "deviceID,timeStamp,current,temperature,label\n"
    "m1,1000,412.5,36.6,0\n"
    "m2,2000,-0,1e3,1\n";

TEST(ContentHashTest, CanonicalFormIsDocumentedText) {
  EXPECT_EQ(dataset_canonical_form(read(kPlain)),
            "aiotops-dataset-canonical v1\n"
            "features\tcurrent\ttemperature\n"
            "label\tlabel\n"
            "columns\tdevice_id\ttimestamp_ms\tlabel\n"
            "rows\t2\n"
            "412.5\t36.6\tm1\t1000\t0\n"
            "0\t1000\tm2\t2000\t1\n");
  // sha256 of the text above, computed independently (Python hashlib).
  EXPECT_EQ(dataset_content_hash(read(kPlain)),
            "045197bccac69367a7daa22b5736c22f8ad3ace7bebb301b94af6fa773ff2cc9");
}

TEST(ContentHashTest, IndependentOfFileSpelling) {
  const std::string expected = dataset_content_hash(read(kPlain));
  // CRLF, byte-order mark, quoting, spelling of numbers, an extra unselected column moved around.
  EXPECT_EQ(dataset_content_hash(read("\xEF\xBB\xBF"
                                      "deviceID,timeStamp,current,temperature,label\r\n"
                                      "m1,1000,412.5,36.6,0\r\n"
                                      "m2,2000,-0,1e3,1\r\n")),
            expected);
  EXPECT_EQ(dataset_content_hash(read("note,\"deviceID\",timeStamp,current,temperature,label\n"
                                      "\"a, b\",\"m1\",1000,\"412.50\",36.60,0\n"
                                      "\"x\"\"y\",m2,2000,0.0,1000,1.0\n"
                                      "\n")),
            expected);
  EXPECT_EQ(dataset_content_hash(read("temperature,label,deviceID,current,timeStamp\n"
                                      "36.6,0,m1,4125e-1,1000\n"
                                      "1000,1,m2,0,2000\n")),
            expected);
}

TEST(ContentHashTest, ChangesWhenContentChanges) {
  const std::string base = dataset_content_hash(read(kPlain));
  auto changed = [&](std::string_view from, std::string_view to) {
    std::string text(kPlain);
    text.replace(text.find(from), from.size(), to);
    return dataset_content_hash(read(text));
  };
  EXPECT_NE(changed("412.5", "412.50001"), base);
  EXPECT_NE(changed("m2", "m3"), base);
  EXPECT_NE(changed("2000", "2001"), base);
  EXPECT_NE(changed("1e3,1", "1e3,0"), base);
  EXPECT_NE(changed("label\n", "y\n"), base);  // label name
  Dataset renamed = read(kPlain);
  renamed.feature_names[0] = "amps";
  EXPECT_NE(dataset_content_hash(renamed), base);
  Dataset reordered = read(kPlain);
  std::swap(reordered.features[0], reordered.features[2]);  // rows swapped in column 0
  EXPECT_NE(dataset_content_hash(reordered), base);
  Dataset no_devices = read(kPlain);
  no_devices.device_ids.clear();
  EXPECT_NE(dataset_content_hash(no_devices), base);
}

TEST(ContentHashTest, TextFieldsAreEscaped) {
  Dataset data;
  data.feature_names = {"a\tb"};
  data.features = {1};
  data.device_ids = {"x\ny\\"};
  EXPECT_EQ(dataset_canonical_form(data),
            "aiotops-dataset-canonical v1\nfeatures\ta\\tb\nlabel\t\ncolumns\tdevice_id\n"
            "rows\t1\n1\tx\\ny\\\\\n");
}

}  // namespace
}  // namespace aiotops::telemetry
