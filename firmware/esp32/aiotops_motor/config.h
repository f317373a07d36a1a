#pragma once
// Board and network settings for aiotops_motor.ino; edit before flashing.

#define WIFI_SSID "motor-lab"
#define WIFI_PASSWORD "change-me"
#define MQTT_HOST "192.168.1.10"
#define MQTT_PORT 1883
#define TELEMETRY_TOPIC "shaded-pole-motor-sensor_data"
#define ALERT_TOPIC "out"

// ADC1 pins (ADC2 is unusable while Wi-Fi is on) and the on-board LED.
#define PIN_CURRENT 32
#define PIN_TEMPERATURE 33
#define PIN_VIBRATION 34
#define PIN_SOUND 35
#define PIN_LED 2

// The temperature sensor on PIN_TEMPERATURE: a linear analog sensor, degrees C = (mV -
// TEMPERATURE_OFFSET_MV) / TEMPERATURE_MV_PER_C (LM35: 0 and 10; TMP36: 500 and 10).
#define TEMPERATURE_OFFSET_MV 0.0
#define TEMPERATURE_MV_PER_C 10.0

// Time between two measurements (ms), and the core's arena (bytes).
#define SAMPLE_INTERVAL_MS 1000
#define AIOTOPS_ARENA_BYTES 4096
