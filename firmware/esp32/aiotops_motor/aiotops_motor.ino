// aiotops motor monitor for the ESP32 reference board: samples the four motor sensors (current,
// temperature, vibration, sound), takes each channel's FFT peak frequency as its feature, scores
// the features with the aiotops inference core on the model exported by
// `aiotops export --format c-array`, publishes the telemetry, and above the MCU threshold blinks
// the LED and publishes an alert with the chip id and the four readings. See README.md.

#include <PubSubClient.h>
#include <WiFi.h>
#include <arduinoFFT.h>
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
constexpr uint8_t kSensorPins[4] = {PIN_CURRENT, PIN_TEMPERATURE, PIN_VIBRATION, PIN_SOUND};
constexpr const char* kSensorNames[4] = {"current", "temperature", "vibration", "sound"};

// The core reads the weights in place and keeps every tensor in this arena; `aiotops inspect`
// prints the bytes a model needs (the int8 MLP 4-50-40-1 needs well under 4 KB).
alignas(16) uint8_t arena[AIOTOPS_ARENA_BYTES];
aiotops::micro::Interpreter interpreter;
bool model_ready = false;

WiFiClient wifi;
PubSubClient mqtt(wifi);
String chip_id;

double samples_real[kSamples];
double samples_imag[kSamples];
ArduinoFFT<double> fft(samples_real, samples_imag, kSamples, kSamplingHz);

// The peak frequency (Hz) of 64 samples of one ADC channel, Hamming-windowed.
float peak_frequency(uint8_t pin) {
  uint32_t next = micros();
  for (uint16_t i = 0; i < kSamples; ++i) {
    while (static_cast<int32_t>(micros() - next) < 0) {
    }
    next += kSamplePeriodUs;
    samples_real[i] = analogRead(pin);
    samples_imag[i] = 0.0;
  }
  fft.dcRemoval();
  fft.windowing(FFTWindow::Hamming, FFTDirection::Forward);
  fft.compute(FFTDirection::Forward);
  fft.complexToMagnitude();
  return static_cast<float>(fft.majorPeak());
}

// Whether the model takes this board's readings as they are: the same features in the same
// order (the export's metadata macros), and float input. A model exported with --int8-io takes
// standardized int8 values, which this sketch does not compute: export it without --int8-io.
const char* model_mismatch() {
  const char* const model_features[] = AIOTOPS_MODEL_FEATURE_NAMES;
  for (int i = 0; i < 4; ++i) {
    if (strcmp(model_features[i], kSensorNames[i]) != 0) return "features differ from the sensors";
  }
  if (interpreter.input(0).type != aiotops::micro::TensorType::kFloat32) {
    return "raw int8 input (exported with --int8-io)";
  }
  return nullptr;
}

String chip_id_of_this_board() {
  char text[17];
  snprintf(text, sizeof text, "%llX", static_cast<unsigned long long>(ESP.getEfuseMac()));
  return String(text);
}

// {"deviceID":"<chip id>","current":..,"temperature":..,"vibration":..,"sound":.., <extra>}
String readings_json(const float readings[4], const char* extra) {
  String json = "{\"deviceID\":\"" + chip_id + "\"";
  for (int i = 0; i < 4; ++i) {
    json += ",\"";
    json += kSensorNames[i];
    json += "\":";
    json += String(readings[i], 2);
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

  float readings[4];
  for (int i = 0; i < 4; ++i) readings[i] = peak_frequency(kSensorPins[i]);
  mqtt.publish(TELEMETRY_TOPIC, readings_json(readings, "\"fft_data\":\"true\"").c_str());

  float score = 0.0f;
  if (model_ready && interpreter.set_input(0, readings, 4) == aiotops::micro::Status::kOk &&
      interpreter.invoke() == aiotops::micro::Status::kOk &&
      interpreter.get_output(0, &score, 1) == aiotops::micro::Status::kOk &&
      score > kAlertThreshold) {
    const String extra = "\"score\":" + String(score, 3) + ",\"alert\":\"true\"";
    mqtt.publish(ALERT_TOPIC, readings_json(readings, extra.c_str()).c_str());
    blink(5);
  }
  delay(SAMPLE_INTERVAL_MS);
}
