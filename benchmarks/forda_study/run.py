"""Usage:
  python run.py val  NAME '{"json": "cfg"}' [seed]   # 80/20 stratified split of TRAIN (split seed 0), report val acc
  python run.py test NAME '{"json": "cfg"}' seed     # fit on full TRAIN, evaluate once on TEST
Appends a JSON line to results.jsonl.
"""
import json, os, sys, time
import numpy as np

from sktransformer.datasets import load_ucr


def load(split):
    X, y = load_ucr("FordA", split.lower())  # $SKTRANSFORMER_DATA/UCR/FordA
    return X[:, :, 0], (y > 0).astype("int64")


def load_avg():
    return os.getloadavg()


def main():
    mode, name, cfg = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
    seed = int(sys.argv[4]) if len(sys.argv) > 4 else 0
    import keras
    from sklearn.model_selection import train_test_split
    from fordaformer import fit_classifier, build_model, DEFAULTS

    X, y = load("TRAIN")
    load0 = load_avg()

    class EpochTimer(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.times = []
        def on_epoch_begin(self, epoch, logs=None):
            self.t = time.time()
        def on_epoch_end(self, epoch, logs=None):
            self.times.append(time.time() - self.t)
            if mode == "val" and (epoch + 1) % 10 == 0:
                print(f"  ep{epoch+1} loss={logs['loss']:.4f} acc={logs['accuracy']:.4f} "
                      f"val_acc={logs.get('val_accuracy', float('nan')):.4f} {self.times[-1]:.1f}s", flush=True)

    timer = EpochTimer()
    t0 = time.time()
    if mode == "val":
        Xtr, Xva, ytr, yva = train_test_split(X, y, test_size=0.2, stratify=y, random_state=0)
        model, hist = fit_classifier(Xtr, ytr, cfg, seed=seed, Xval=Xva, yval=yva, callbacks=[timer])
        train_s = time.time() - t0
        va = hist.history["val_accuracy"]
        res = dict(val_acc=va[-1], val_best=max(va), val_best_ep=int(np.argmax(va)) + 1,
                   val_last5=float(np.mean(va[-5:])), train_acc=hist.history["accuracy"][-1])
        from fordaformer import predict_proba
        for t in (("flip",), ("neg",), ("flip", "neg")):
            res["val_tta_" + "_".join(t)] = float((predict_proba(model, Xva, t).argmax(1) == yva).mean())
    else:
        model, hist = fit_classifier(X, y, cfg, seed=seed, callbacks=[timer])
        train_s = time.time() - t0
        Xte, yte = load("TEST")
        from fordaformer import predict_proba
        tta = tuple(cfg.get("tta", ()))
        pred = predict_proba(model, Xte, tta).argmax(1)
        res = dict(test_acc=float((pred == yte).mean()), tta=tta, train_acc=hist.history["accuracy"][-1])
    res.update(mode=mode, name=name, seed=seed, cfg=cfg, epochs=len(timer.times), train_s=round(train_s, 1),
               epoch_s=round(float(np.median(timer.times)), 2), params=int(model.count_params()),
               load_start=[round(v, 2) for v in load0], load_end=[round(v, 2) for v in load_avg()])
    print(json.dumps(res), flush=True)
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "results.jsonl"), "a") as f:
        f.write(json.dumps(res) + "\n")


if __name__ == "__main__":
    main()
