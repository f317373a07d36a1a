// aiotops motor monitor for the ESP32 reference board: samples the four motor sensors, computes
// the features `aiotops sim --esp32-fft` produces (current, vibration and sound: the FFT peak
// frequency of 64 samples; temperature: degrees C), rounds them to the two decimals the telemetry
// carries, scores them with the aiotops inference core on the model exported by
// `aiotops export --format c-array`, publishes the telemetry, and above the MCU threshold blinks
// the LED and publishes an alert with the chip id and the four readings. See README.md.

#include <PubSubClient.h>
#include <WiFi.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <micro/interpreter.h>

#include "config.h"
#include "model.h"  // aiotops export --model M --format c-array --out model.h

static_assert(AIOTOPS_MODEL_FEATURE_COUNT == 4,
              "the model must take the four readings: current, temperature, vibration, sound");

namespace {

constexpr uint16_t kSamples = 64;           // per channel, as the reference firmware
constexpr double kSamplingHz = 13000.0;     // ~13 kHz per channel
constexpr uint32_t kSamplePeriodUs = 77;    // 1e6 / 13000, rounded
constexpr float kAlertThreshold = 0.7f;     // the MCU path's alert threshold
constexpr const char* kSensorNames[4] = {"current", "temperature", "vibration", "sound"};

// The core reads the weights in place and keeps every tensor in this arena; `aiotops inspect`
// prints the bytes a model needs (the int8 MLP 4-50-40-1 needs well under 4 KB).
alignas(16) uint8_t arena[AIOTOPS_ARENA_BYTES];
aiotops::micro::Interpreter interpreter;
bool model_ready = false;

WiFiClient wifi;
PubSubClient mqtt(wifi);
String chip_id;

// One channel's window: 64 ADC readings at kSamplingHz.
void sample(uint8_t pin, double* samples) {
  uint32_t next = micros();
  for (uint16_t i = 0; i < kSamples; ++i) {
    while (static_cast<int32_t>(micros() - next) < 0) {
    }
    next += kSamplePeriodUs;
    samples[i] = analogRead(pin);
  }
}

// In-place iterative radix-2 FFT of kSamples points (forward, unscaled).
void fft(double* re, double* im) {
  for (uint16_t i = 1, j = 0; i < kSamples; ++i) {
    uint16_t bit = kSamples >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      double t = re[i];
      re[i] = re[j];
      re[j] = t;
      t = im[i];
      im[i] = im[j];
      im[j] = t;
    }
  }
  for (uint16_t length = 2; length <= kSamples; length <<= 1) {
    for (uint16_t start = 0; start < kSamples; start += length) {
      for (uint16_t k = 0; k < length / 2; ++k) {
        const double angle = -2.0 * M_PI * k / length;
        const double wr = cos(angle), wi = sin(angle);
        const uint16_t a = start + k, b = a + length / 2;
        const double tr = re[b] * wr - im[b] * wi, ti = re[b] * wi + im[b] * wr;
        re[b] = re[a] - tr;
        im[b] = im[a] - ti;
        re[a] += tr;
        im[a] += ti;
      }
    }
  }
}

// The peak frequency (Hz) of one channel, defined as the simulator defines it (src/sim/
// esp32_fft.cc): mean removed, Hamming window 0.54 - 0.46 cos(2 pi i / (N - 1)), FFT magnitudes,
// the largest local maximum among bins 1..N/2-1 refined by parabolic interpolation, times fs/N
// (arduinoFFT's majorPeak scales by fs/(N-1) and searches differently: not used); the largest of
// bins 1..N/2 when no bin is a local maximum.
double peak_frequency(uint8_t pin) {
  double re[kSamples], im[kSamples];
  sample(pin, re);
  double mean = 0.0;
  for (uint16_t i = 0; i < kSamples; ++i) mean += re[i];
  mean /= kSamples;
  for (uint16_t i = 0; i < kSamples; ++i) {
    re[i] = (re[i] - mean) * (0.54 - 0.46 * cos(2.0 * M_PI * i / (kSamples - 1)));
    im[i] = 0.0;
  }
  fft(re, im);
  constexpr uint16_t kHalf = kSamples / 2;
  double magnitude[kHalf + 1];
  for (uint16_t i = 0; i <= kHalf; ++i) magnitude[i] = sqrt(re[i] * re[i] + im[i] * im[i]);
  uint16_t peak = 0;
  for (uint16_t i = 1; i < kHalf; ++i) {
    if (magnitude[i - 1] < magnitude[i] && magnitude[i] > magnitude[i + 1] &&
        (peak == 0 || magnitude[i] > magnitude[peak])) {
      peak = i;
    }
  }
  const double bin_hz = kSamplingHz / kSamples;
  if (peak == 0) {
    uint16_t largest = 1;
    for (uint16_t i = 2; i <= kHalf; ++i) {
      if (magnitude[i] > magnitude[largest]) largest = i;
    }
    return largest * bin_hz;
  }
  const double left = magnitude[peak - 1], centre = magnitude[peak], right = magnitude[peak + 1];
  return (peak + 0.5 * (left - right) / (left - 2.0 * centre + right)) * bin_hz;
}

// The temperature in degrees C: the sensor's output voltage averaged over a window of 64
// readings, converted with its linear characteristic (config.h).
double temperature_c(uint8_t pin) {
  double millivolts = 0.0;
  for (uint16_t i = 0; i < kSamples; ++i) millivolts += analogReadMilliVolts(pin);
  millivolts /= kSamples;
  return (millivolts - TEMPERATURE_OFFSET_MV) / TEMPERATURE_MV_PER_C;
}

// A reading as the telemetry carries it: hundredths, rounded half away from zero (the
// simulator's and the gateway's text), and that text's value as the model's float feature.
struct Reading {
  char text[24];
  float feature;
};

Reading two_decimals(double value) {
  Reading r;
  const long long hundredths = llround(value * 100.0);
  const unsigned long long magnitude = hundredths < 0 ? -hundredths : hundredths;
  snprintf(r.text, sizeof r.text, "%s%llu.%02llu", hundredths < 0 ? "-" : "", magnitude / 100,
           magnitude % 100);
  r.feature = static_cast<float>(hundredths / 100.0);
  return r;
}

#ifdef AIOTOPS_MODEL_INPUT_MEAN
// A model exported with --int8-io takes standardized values: (x - mean) / scale in float32, which
// set_input() then quantizes (docs/micro.md).
const float kInputMean[4] = AIOTOPS_MODEL_INPUT_MEAN;
const float kInputScale[4] = AIOTOPS_MODEL_INPUT_SCALE;
#endif

// Whether the model takes this board's readings: the same features in the same order (the
// export's metadata macros).
const char* model_mismatch() {
  const char* const model_features[] = AIOTOPS_MODEL_FEATURE_NAMES;
  for (int i = 0; i < 4; ++i) {
    if (strcmp(model_features[i], kSensorNames[i]) != 0) return "features differ from the sensors";
  }
  return nullptr;
}

String chip_id_of_this_board() {
  char text[17];
  snprintf(text, sizeof text, "%llX", static_cast<unsigned long long>(ESP.getEfuseMac()));
  return String(text);
}

// {"deviceID":"<chip id>","current":..,"temperature":..,"vibration":..,"sound":.., <extra>}
String readings_json(const Reading readings[4], const char* extra) {
  String json = "{\"deviceID\":\"" + chip_id + "\"";
  for (int i = 0; i < 4; ++i) {
    json += ",\"";
    json += kSensorNames[i];
    json += "\":";
    json += readings[i].text;
  }
  json += ",";
  json += extra;
  json += "}";
  return json;
}

void ensure_connected() {
  while (WiFi.status() != WL_CONNECTED) delay(250);
  while (!mqtt.connected()) {
    if (!mqtt.connect(chip_id.c_str())) delay(1000);
  }
}

void blink(int times) {
  for (int i = 0; i < times; ++i) {
    digitalWrite(PIN_LED, HIGH);
    delay(100);
    digitalWrite(PIN_LED, LOW);
    delay(100);
  }
}

}  // namespace

void setup() {
  Serial.begin(115200);
  pinMode(PIN_LED, OUTPUT);
  analogReadResolution(12);
  chip_id = chip_id_of_this_board();

  const aiotops::micro::Status status =
      interpreter.init(aiotops_model, aiotops_model_len, arena, sizeof arena);
  const char* mismatch = status == aiotops::micro::Status::kOk ? model_mismatch() : nullptr;
  model_ready = status == aiotops::micro::Status::kOk && mismatch == nullptr;
  if (model_ready) {
    Serial.printf("model %s %s: %u arena bytes\n", AIOTOPS_MODEL_MODEL_NAME,
                  AIOTOPS_MODEL_MODEL_VERSION, static_cast<unsigned>(interpreter.arena_used()));
  } else if (mismatch != nullptr) {
    Serial.printf("model %s %s refused: %s\n", AIOTOPS_MODEL_MODEL_NAME,
                  AIOTOPS_MODEL_MODEL_VERSION, mismatch);
  } else {
    Serial.printf("model refused: %s (arena needs %u bytes)\n",
                  aiotops::micro::status_message(status),
                  static_cast<unsigned>(interpreter.arena_required()));
  }

  WiFi.mode(WIFI_STA);
  WiFi.begin(WIFI_SSID, WIFI_PASSWORD);
  mqtt.setServer(MQTT_HOST, MQTT_PORT);
  mqtt.setBufferSize(512);
}

void loop() {
  ensure_connected();
  mqtt.loop();

  const Reading readings[4] = {two_decimals(peak_frequency(PIN_CURRENT)),
                               two_decimals(temperature_c(PIN_TEMPERATURE)),
                               two_decimals(peak_frequency(PIN_VIBRATION)),
                               two_decimals(peak_frequency(PIN_SOUND))};
  mqtt.publish(TELEMETRY_TOPIC, readings_json(readings, "\"fft_data\":\"true\"").c_str());

  float features[4];
  for (int i = 0; i < 4; ++i) features[i] = readings[i].feature;
#ifdef AIOTOPS_MODEL_INPUT_MEAN
  for (int i = 0; i < 4; ++i) features[i] = (features[i] - kInputMean[i]) / kInputScale[i];
#endif
  float score = 0.0f;
  if (model_ready && interpreter.set_input(0, features, 4) == aiotops::micro::Status::kOk &&
      interpreter.invoke() == aiotops::micro::Status::kOk &&
      interpreter.get_output(0, &score, 1) == aiotops::micro::Status::kOk &&
      score > kAlertThreshold) {
    const String extra = "\"score\":" + String(score, 3) + ",\"alert\":\"true\"";
    mqtt.publish(ALERT_TOPIC, readings_json(readings, extra.c_str()).c_str());
    blink(5);
  }
  delay(SAMPLE_INTERVAL_MS);
}
