#!/usr/bin/env python3
"""Write model files that need a newer runtime than Strata's LibTorch 1.13, for the tests that
check the message names the problem (tests/data/models/broken/):

  newer_format.pt        valid_tiny.pt with its TorchScript format version record set to 99
  torch_export.pt2       the member layout torch.export.save writes from PyTorch 2.6 on
                         (<name>/archive_format = "pt2", <name>/models/...)
  torch_export_2_1.pt2   the layout of PyTorch 2.1 to 2.5 (serialized_exported_program.json,
                         serialized_state_dict.pt, serialized_constants.pt, version)

The torch.export files hold the member names only (empty JSON and weights): enough for LibTorch
to refuse them as it refuses the real ones. Run from the repository root:
  /usr/bin/python3 tools/make_newer_runtime_files.py
"""
import os
import zipfile

BROKEN = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                      "tests", "data", "models", "broken")
FIXED_TIME = (2024, 1, 1, 0, 0, 0)  # reproducible archives


def member(out, name, data):
    out.writestr(zipfile.ZipInfo(name, FIXED_TIME), data)


def main():
    with zipfile.ZipFile(os.path.join(BROKEN, "valid_tiny.pt")) as z, \
            zipfile.ZipFile(os.path.join(BROKEN, "newer_format.pt"), "w") as out:
        for info in z.infolist():
            data = z.read(info.filename)
            member(out, info.filename, b"99\n" if info.filename.endswith("/version") else data)
    with zipfile.ZipFile(os.path.join(BROKEN, "torch_export.pt2"), "w") as out:
        member(out, "model/archive_format", b"pt2")
        member(out, "model/archive_version", b"0")
        member(out, "model/models/model.json", b"{}")
        member(out, "model/data/weights/model_weights_config.json", b"{}")
    with zipfile.ZipFile(os.path.join(BROKEN, "torch_export_2_1.pt2"), "w") as out:
        member(out, "serialized_exported_program.json", b"{}")
        member(out, "serialized_state_dict.pt", b"")
        member(out, "serialized_constants.pt", b"")
        member(out, "version", b"1\n")
    print("wrote newer_format.pt, torch_export.pt2 and torch_export_2_1.pt2 in", os.path.relpath(BROKEN))


if __name__ == "__main__":
    main()
