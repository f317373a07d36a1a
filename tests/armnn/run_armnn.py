#!/usr/bin/python3
"""Runs a .tflite model with Arm NN's TfLite parser on the CpuRef backend.

Usage: run_armnn.py MODEL.tflite DATA.csv [--features a,b,c] [--repeat N]

Reads the feature columns (by name: from --features, else from the model's "aiotops"
metadata entry) of every CSV row, feeds them one row at a time and prints one JSON object
per row: {"row": i, "score": s}, where s is the dequantized output for int8 outputs and
"raw" holds the int8 value. With --repeat N it instead prints one JSON object with the
mean wall and CPU nanoseconds of one EnqueueWorkload (tensors prepared once) over N runs of
the first row.
Exit codes: 0 ok, 2 bad input. Arm NN itself may abort on malformed files; run it in a
subprocess.
"""

import argparse
import csv
import json
import struct
import sys
import time

import numpy as np
import pyarmnn as ann

_INT8 = (ann.DataType_QAsymmS8, ann.DataType_QSymmS8)


def _table(buf, pos):
    """Returns (table position, vtable position) of the table at uoffset position pos."""
    table = pos + struct.unpack_from("<I", buf, pos)[0]
    vtable = table - struct.unpack_from("<i", buf, table)[0]
    return table, vtable


def _field(buf, table, vtable, index):
    """Absolute position of field index of a table, or None when absent."""
    vtable_size = struct.unpack_from("<H", buf, vtable)[0]
    slot = 4 + 2 * index
    if slot >= vtable_size:
        return None
    offset = struct.unpack_from("<H", buf, vtable + slot)[0]
    return table + offset if offset else None


def _vector(buf, pos):
    """(start, length) of the vector referenced at uoffset position pos."""
    start = pos + struct.unpack_from("<I", buf, pos)[0]
    return start + 4, struct.unpack_from("<I", buf, start)[0]


def metadata_document(buf):
    """The JSON document of the model's "aiotops" metadata entry, or None."""
    model, model_vt = _table(buf, 0)
    metadata_pos = _field(buf, model, model_vt, 6)  # Model.metadata
    buffers_pos = _field(buf, model, model_vt, 4)  # Model.buffers
    if metadata_pos is None or buffers_pos is None:
        return None
    entries, count = _vector(buf, metadata_pos)
    buffers, _ = _vector(buf, buffers_pos)
    for i in range(count):
        entry, entry_vt = _table(buf, entries + 4 * i)
        name_pos = _field(buf, entry, entry_vt, 0)
        index_pos = _field(buf, entry, entry_vt, 1)
        if name_pos is None or index_pos is None:
            continue
        name_start, name_len = _vector(buf, name_pos)
        if buf[name_start : name_start + name_len] != b"aiotops":
            continue
        index = struct.unpack_from("<I", buf, index_pos)[0]
        buffer, buffer_vt = _table(buf, buffers + 4 * index)
        data_pos = _field(buf, buffer, buffer_vt, 0)
        if data_pos is None:
            return None
        start, length = _vector(buf, data_pos)
        return json.loads(bytes(buf[start : start + length]).decode("utf-8"))
    return None


def tensor_scale(buf, name):
    """The quantization scale of the first subgraph's tensor called name, or None."""
    model, model_vt = _table(buf, 0)
    subgraphs_pos = _field(buf, model, model_vt, 2)  # Model.subgraphs
    if subgraphs_pos is None:
        return None
    subgraphs, _ = _vector(buf, subgraphs_pos)
    subgraph, subgraph_vt = _table(buf, subgraphs)
    tensors_pos = _field(buf, subgraph, subgraph_vt, 0)  # SubGraph.tensors
    if tensors_pos is None:
        return None
    tensors, count = _vector(buf, tensors_pos)
    for i in range(count):
        tensor, tensor_vt = _table(buf, tensors + 4 * i)
        name_pos = _field(buf, tensor, tensor_vt, 3)  # Tensor.name
        quant_pos = _field(buf, tensor, tensor_vt, 4)  # Tensor.quantization
        if name_pos is None or quant_pos is None:
            continue
        name_start, name_len = _vector(buf, name_pos)
        if buf[name_start : name_start + name_len] != name.encode():
            continue
        quant, quant_vt = _table(buf, quant_pos)
        scale_pos = _field(buf, quant, quant_vt, 2)  # QuantizationParameters.scale
        if scale_pos is None:
            return None
        start, length = _vector(buf, scale_pos)
        return struct.unpack_from("<f", buf, start)[0] if length else None
    return None


def read_rows(path, features):
    """Feature rows of a CSV file as float lists, in file order."""
    rows = []
    with open(path, newline="") as f:
        reader = csv.DictReader(f)
        missing = [name for name in features if name not in (reader.fieldnames or [])]
        if missing:
            raise ValueError(f"{path}: no column named {', '.join(missing)}")
        for line, record in enumerate(reader, start=2):
            try:
                rows.append([float(record[name]) for name in features])
            except ValueError as e:
                raise ValueError(f"{path}:{line}: {e}") from e
    return rows


class ArmnnModel:
    """One loaded network on CpuRef with a single input and a single output tensor."""

    def __init__(self, path, standardization=None):
        self.standardization = standardization
        parser = ann.ITfLiteParser()
        network = parser.CreateNetworkFromBinaryFile(path)
        input_name = parser.GetSubgraphInputTensorNames(0)[0]
        output_name = parser.GetSubgraphOutputTensorNames(0)[0]
        self.input_info = parser.GetNetworkInputBindingInfo(0, input_name)
        self.output_info = parser.GetNetworkOutputBindingInfo(0, output_name)
        self.runtime = ann.IRuntime(ann.CreationOptions())
        optimized, _ = ann.Optimize(
            network, [ann.BackendId("CpuRef")], self.runtime.GetDeviceSpec(), ann.OptimizerOptions()
        )
        self.net_id, _ = self.runtime.LoadNetwork(optimized)
        in_tensor = self.input_info[1]
        self.input_dtype = np.int8 if in_tensor.GetDataType() in _INT8 else np.float32
        self.input_scale = in_tensor.GetQuantizationScale()
        self.input_zero = in_tensor.GetQuantizationOffset()
        out_tensor = self.output_info[1]
        self.output_int8 = out_tensor.GetDataType() in _INT8
        self.output_scale = out_tensor.GetQuantizationScale()
        self.output_zero = out_tensor.GetQuantizationOffset()

    def input_array(self, row):
        values = np.asarray(row, dtype=np.float32)
        if self.standardization is not None:
            # Files with raw int8 input leave (x - mean) / scale to the caller (float32).
            mean = np.asarray(self.standardization["mean"], dtype=np.float32)
            scale = np.asarray(self.standardization["scale"], dtype=np.float32)
            values = (values - mean) / scale
        if self.input_dtype == np.int8:
            scaled = values / self.input_scale  # TFLite rounds half away from zero
            q = np.sign(scaled) * np.floor(np.abs(scaled) + 0.5) + self.input_zero
            values = np.clip(q, -128, 127)
        return values.astype(self.input_dtype).reshape(1, -1)

    def run(self, data):
        """Runs one prepared input array; returns the raw output value."""
        inputs = ann.make_input_tensors([self.input_info], [data])
        outputs = ann.make_output_tensors([self.output_info])
        self.runtime.EnqueueWorkload(self.net_id, inputs, outputs)
        return ann.workload_tensors_to_ndarray(outputs)[0].reshape(-1)[0]

    def latency(self, row, runs):
        """Mean wall and CPU nanoseconds of one EnqueueWorkload on prepared tensors, over runs."""
        inputs = ann.make_input_tensors([self.input_info], [self.input_array(row)])
        outputs = ann.make_output_tensors([self.output_info])
        self.runtime.EnqueueWorkload(self.net_id, inputs, outputs)
        wall, cpu = time.perf_counter_ns(), time.process_time_ns()
        for _ in range(runs):
            self.runtime.EnqueueWorkload(self.net_id, inputs, outputs)
        wall, cpu = time.perf_counter_ns() - wall, time.process_time_ns() - cpu
        return wall / runs, cpu / runs

    def score(self, raw):
        if self.output_int8:
            return (int(raw) - self.output_zero) * self.output_scale
        return float(raw)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model")
    parser.add_argument("data")
    parser.add_argument("--features", help="comma-separated feature columns in input order")
    parser.add_argument("--repeat", type=int, default=0, help="latency runs of the first row")
    args = parser.parse_args()
    try:
        with open(args.model, "rb") as f:
            buf = f.read()
        document = metadata_document(buf)
        if args.features:
            features = args.features.split(",")
        else:
            if document is None or "features" not in document:
                raise ValueError(f"{args.model}: no feature names in the model metadata; give --features")
            features = document["features"]
        rows = read_rows(args.data, features)
    except (OSError, ValueError, struct.error) as e:
        print(f"run_armnn: {e}", file=sys.stderr)
        return 2
    model = ArmnnModel(args.model, (document or {}).get("input_standardization"))
    if args.repeat > 0:
        wall, cpu = model.latency(rows[0], args.repeat)
        print(json.dumps({"runs": args.repeat, "wall_ns": wall, "cpu_ns": cpu}))
        return 0
    for i, row in enumerate(rows):
        raw = model.run(model.input_array(row))
        record = {"row": i, "score": model.score(raw)}
        if model.output_int8:
            record["raw"] = int(raw)
        print(json.dumps(record))
    return 0


if __name__ == "__main__":
    sys.exit(main())
