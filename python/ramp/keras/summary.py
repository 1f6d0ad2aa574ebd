"""model.summary() in Keras 2's text (keras/utils/layer_utils.print_summary as of Keras 2.9-2.11):
three columns over 65 characters for sequential-like models, four ("Connected to") over 98 for
graphs with merges, branches or shared layers; a blank line after each layer; long fields wrapped
onto the next lines at "),", "],", "'," as Keras does."""


def _print_row(fields, positions, print_fn):
    left = [str(f) for f in fields]
    while any(left):
        line = ""
        for col, text in enumerate(left):
            start = positions[col - 1] if col > 0 else 0
            space = 2 if col != len(positions) - 1 else 0
            cutoff = positions[col] - start - space
            fit = text[:cutoff]
            breaks = [fit.find(b) + len(b) for b in ("),", "},", "],", "',") if fit.find(b) >= 0]
            if breaks:
                cutoff = min(breaks)
                fit = fit[:cutoff]
            if col == 0:
                line += " "
            line += fit + " " * space
            left[col] = text[cutoff:]
            line += " " * (positions[col] - len(line))
        print_fn(line)


def print_summary(name, rows, trainable, non_trainable, connections, print_fn=None, line_length=None,
                  positions=None):
    """rows: (layer label, output shape, param count[, connections]) per layer; line_length and
    positions (fractions, or columns when the last is > 1) as Keras's summary() takes them."""
    print_fn = print_fn or print
    if connections:
        line_length, positions = line_length or 98, positions or [0.33, 0.55, 0.67, 1.0]
        header = ["Layer (type)", "Output Shape", "Param #", "Connected to"]
    else:
        line_length, positions = line_length or 65, positions or [0.45, 0.85, 1.0]
        header = ["Layer (type)", "Output Shape", "Param #"]
    if positions[-1] <= 1:
        positions = [int(line_length * p) for p in positions]
    print_fn(f'Model: "{name}"')
    print_fn("_" * line_length)
    _print_row(header, positions, print_fn)
    print_fn("=" * line_length)
    for row in rows:
        _print_row(row, positions, print_fn)
        print_fn(" " * line_length)
    print_fn("=" * line_length)
    print_fn(f"Total params: {trainable + non_trainable:,}")
    print_fn(f"Trainable params: {trainable:,}")
    print_fn(f"Non-trainable params: {non_trainable:,}")
    print_fn("_" * line_length)
