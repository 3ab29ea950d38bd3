"""Buggy and correct versions of the graded code of ``pretrained_inference.ipynb``."""

from tests.variants.variant import Variant

NB = "pretrained_inference"
IMREAD = "imread_solution"
DATASET = "dataset_solution"
PREDICT = "predict_solution"

IMREAD_TESTS = ("test_imread",)
DATASET_TESTS = ("test_dataset",)
PREDICT_TESTS = ("test_predict_basic", "test_predict_eval_nograd", "test_predict_pretrained", "test_predict_gpu")

VARIANTS = [
    # ------------------------------------------------------------------ imread: correct
    Variant(NB, IMREAD, "pathlib_iterdir", True, """
        from pathlib import Path

        def imread(img_dir):
            images = []
            for path in sorted(Path(img_dir).iterdir()):
                if not path.is_file():
                    continue
                try:
                    img = Image.open(path)
                except UnidentifiedImageError:
                    print("skipping", path.name, "- PIL cannot read it")
                    continue
                images.append(img.convert("RGB"))
            return images
    """, IMREAD_TESTS),
    Variant(NB, IMREAD, "sorted_glob_warns", True, """
        import glob

        def imread(img_dir):
            out = []
            for f in sorted(glob.glob(os.path.join(img_dir, "*"))):
                if os.path.isdir(f):
                    continue
                try:
                    with Image.open(f) as im:
                        im.load()
                        out.append(im.convert("RGB"))
                except Exception:
                    warnings.warn(f"{os.path.basename(f)} is not an image; skipped")
            return out
    """, IMREAD_TESTS),
    Variant(NB, IMREAD, "scandir_oserror_logging", True, """
        def imread(img_dir):
            entries = sorted((e for e in os.scandir(img_dir) if e.is_file()), key=lambda e: e.name)
            images = []
            for entry in entries:
                try:
                    img = Image.open(entry.path)
                    img.load()
                except OSError as err:
                    print(f"skipping {entry.name}: {err}")
                    continue
                images.append(img.convert("RGB"))
            return images
    """, IMREAD_TESTS),
    # ------------------------------------------------------------------ imread: buggy
    Variant(NB, IMREAD, "listdir_not_sorted", False, """
        def imread(img_dir):
            images = []
            for name in os.listdir(img_dir):
                path = os.path.join(img_dir, name)
                if not os.path.isfile(path):
                    continue
                try:
                    images.append(Image.open(path).convert("RGB"))
                except UnidentifiedImageError:
                    print("skipping", name)
            return images
    """, IMREAD_TESTS),
    Variant(NB, IMREAD, "not_converted_to_rgb", False, """
        def imread(img_dir):
            images = []
            for name in sorted(os.listdir(img_dir)):
                path = os.path.join(img_dir, name)
                if not os.path.isfile(path):
                    continue
                try:
                    img = Image.open(path)
                    img.load()
                    images.append(img)
                except UnidentifiedImageError:
                    print("skipping", name)
            return images
    """, IMREAD_TESTS),
    Variant(NB, IMREAD, "bgr_like_opencv", False, """
        def imread(img_dir):
            images = []
            for name in sorted(os.listdir(img_dir)):
                path = os.path.join(img_dir, name)
                if not os.path.isfile(path):
                    continue
                try:
                    rgb = np.asarray(Image.open(path).convert("RGB"))
                except UnidentifiedImageError:
                    print("skipping", name)
                    continue
                images.append(Image.fromarray(np.ascontiguousarray(rgb[:, :, ::-1])))  # as cv2.imread
            return images
    """, IMREAD_TESTS),
    Variant(NB, IMREAD, "no_skip_crashes_on_text_file", False, """
        import glob

        def imread(img_dir):
            return [Image.open(f).convert("RGB") for f in sorted(glob.glob(os.path.join(img_dir, "*")))]
    """, IMREAD_TESTS),
    Variant(NB, IMREAD, "extension_whitelist", False, """
        def imread(img_dir):
            images = []
            for name in sorted(os.listdir(img_dir)):
                if name.endswith((".jpg", ".jpeg", ".png")):
                    try:
                        images.append(Image.open(os.path.join(img_dir, name)).convert("RGB"))
                    except UnidentifiedImageError:
                        print("skipping", name)
            return images
    """, IMREAD_TESTS),
    Variant(NB, IMREAD, "skips_silently", False, """
        def imread(img_dir):
            images = []
            for name in sorted(os.listdir(img_dir)):
                path = os.path.join(img_dir, name)
                try:
                    images.append(Image.open(path).convert("RGB"))
                except (UnidentifiedImageError, IsADirectoryError):
                    pass
            return images
    """, IMREAD_TESTS),
    # ------------------------------------------------------------------ myDataset: correct
    Variant(NB, DATASET, "getitem_with_slices_and_cache", True, """
        class myDataset(Dataset):
            def __init__(self, img_list, data_transform=None):
                super().__init__()
                self.images = img_list
                self.transform = data_transform
                self._cache = {}

            def __len__(self):
                return len(self.images)

            def __getitem__(self, idx):
                if self.transform is None:
                    return self.images[idx]
                if idx not in self._cache:          # each photo is transformed once, when first asked for
                    self._cache[idx] = self.transform(self.images[idx])
                return self._cache[idx]


        data_transform = transforms.Compose([
            transforms.Resize(size=(224, 224)),
            transforms.ToTensor(),
            transforms.Normalize(IMAGENET_MEAN, IMAGENET_STD),
        ])
    """, DATASET_TESTS),
    Variant(NB, DATASET, "functional_transform_function", True, """
        class myDataset(Dataset):
            def __init__(self, img_list, data_transform=None):
                self.img_list, self.data_transform = img_list, data_transform

            def __getitem__(self, index):
                img = self.img_list[index]
                return self.data_transform(img) if self.data_transform else img

            def __len__(self):
                return len(self.img_list)


        def data_transform(img):
            t = transforms.functional.to_tensor(transforms.functional.resize(img, [224, 224]))
            return transforms.functional.normalize(t, IMAGENET_MEAN, IMAGENET_STD)
    """, DATASET_TESTS),
    Variant(NB, DATASET, "manual_normalise_lambda", True, """
        class myDataset(Dataset):
            def __init__(self, img_list, data_transform=None):
                self.img_list = img_list
                self.length = len(img_list)
                self.data_transform = data_transform

            def __getitem__(self, index):
                img = self.img_list[index]
                return img if self.data_transform is None else self.data_transform(img)

            def __len__(self):
                return self.length


        _m = torch.tensor(IMAGENET_MEAN).view(3, 1, 1)
        _s = torch.tensor(IMAGENET_STD).view(3, 1, 1)
        data_transform = transforms.Compose([
            transforms.Resize((224, 224)),
            transforms.ToTensor(),
            transforms.Lambda(lambda t: (t - _m) / _s),
        ])
    """, DATASET_TESTS),
    # ------------------------------------------------------------------ myDataset: buggy
    Variant(NB, DATASET, "transform_eagerly_in_init", False, """
        class myDataset(Dataset):
            def __init__(self, img_list, data_transform=None):
                if data_transform is None:
                    self.items = list(img_list)
                else:
                    self.items = [data_transform(img) for img in img_list]
                self.length = len(self.items)

            def __getitem__(self, index):
                return self.items[index]

            def __len__(self):
                return self.length
    """, DATASET_TESTS),
    Variant(NB, DATASET, "resize_short_side_only", False, """
        data_transform = transforms.Compose([
            transforms.Resize(224),
            transforms.CenterCrop(224),
            transforms.ToTensor(),
            transforms.Normalize(IMAGENET_MEAN, IMAGENET_STD),
        ])
    """, DATASET_TESTS),
    Variant(NB, DATASET, "normalised_twice", False, """
        class myDataset(Dataset):
            def __init__(self, img_list, data_transform=None):
                self.img_list = img_list
                self.data_transform = data_transform

            def __getitem__(self, index):
                img = self.img_list[index]
                if self.data_transform is not None:
                    img = self.data_transform(img)
                    img = transforms.functional.normalize(img, IMAGENET_MEAN, IMAGENET_STD)
                return img

            def __len__(self):
                return len(self.img_list)
    """, DATASET_TESTS),
    Variant(NB, DATASET, "transform_without_normalize", False, """
        data_transform = transforms.Compose([transforms.Resize((224, 224)), transforms.ToTensor()])
    """, DATASET_TESTS),
    Variant(NB, DATASET, "channels_in_bgr_order", False, """
        data_transform = transforms.Compose([
            transforms.Resize((224, 224)),
            transforms.ToTensor(),
            transforms.Lambda(lambda t: t[[2, 1, 0]]),
            transforms.Normalize(mean=IMAGENET_MEAN[::-1], std=IMAGENET_STD[::-1]),
        ])
    """, DATASET_TESTS),
    Variant(NB, DATASET, "crashes_without_transform", False, """
        class myDataset(Dataset):
            def __init__(self, img_list, data_transform=None):
                self.img_list = img_list
                self.data_transform = data_transform

            def __getitem__(self, index):
                return self.data_transform(self.img_list[index])

            def __len__(self):
                return len(self.img_list)
    """, DATASET_TESTS),
    Variant(NB, DATASET, "length_hard_coded", False, """
        class myDataset(Dataset):
            def __init__(self, img_list, data_transform=None):
                self.img_list = img_list
                self.data_transform = data_transform

            def __getitem__(self, index):
                img = self.img_list[index]
                if self.data_transform is not None:
                    img = self.data_transform(img)
                return img

            def __len__(self):
                return 12  # the assignment asks for 12 photos
    """, DATASET_TESTS),
    Variant(NB, DATASET, "std_and_mean_swapped", False, """
        data_transform = transforms.Compose([
            transforms.Resize((224, 224)),
            transforms.ToTensor(),
            transforms.Normalize(mean=IMAGENET_STD, std=IMAGENET_MEAN),
        ])
    """, DATASET_TESTS),
    # ------------------------------------------------------------------ predict: correct
    Variant(NB, PREDICT, "numpy_chunks_logit_argmax", True, """
        def predict_proba(model, dataloader):
            dev = torch.device("cuda:0" if torch.cuda.is_available() else "cpu")
            model.to(dev).eval()
            out = []
            with torch.inference_mode():
                for x in dataloader:
                    out.append(torch.softmax(model(x.to(dev)), dim=-1).cpu().numpy())
            return np.concatenate(out, axis=0)


        def predict(model, dataloader):
            dev = torch.device("cuda:0" if torch.cuda.is_available() else "cpu")
            model.to(dev)
            model.eval()
            labels = []
            with torch.no_grad():
                for x in dataloader:
                    labels.append(model(x.to(dev)).argmax(dim=1).cpu())  # softmax keeps the order
            return torch.cat(labels).numpy()
    """, PREDICT_TESTS),
    Variant(NB, PREDICT, "nn_softmax_torch_max", True, """
        def predict_proba(model, dataloader):
            model = model.to(device)
            model.train(False)
            softmax = nn.Softmax(dim=1)
            probs = []
            for batch in dataloader:
                with torch.no_grad():
                    probs.append(softmax(model(batch.to(device))).detach().cpu())
            return torch.cat(probs, dim=0).numpy()


        def predict(model, dataloader):
            _, idx = torch.max(torch.from_numpy(predict_proba(model, dataloader)), dim=1)
            return idx.numpy()
    """, PREDICT_TESTS),
    Variant(NB, PREDICT, "list_of_numpy_rows_inference_mode", True, """
        def predict_proba(model, dataloader):
            dev = "cuda" if torch.cuda.is_available() else "cpu"
            model.eval()
            model.to(dev)
            rows = []
            with torch.inference_mode():
                for images in dataloader:
                    probabilities = F.softmax(model(images.to(dev)), dim=1)
                    rows.extend(probabilities.cpu().numpy())
            return np.array(rows)


        def predict(model, dataloader):
            return np.argmax(predict_proba(model, dataloader), axis=1)
    """, PREDICT_TESTS),
    # ------------------------------------------------------------------ predict: buggy
    Variant(NB, PREDICT, "softmax_over_batch", False, """
        def predict_proba(model, dataloader):
            model = model.to(device)
            model.eval()
            chunks = []
            with torch.no_grad():
                for batch in dataloader:
                    chunks.append(F.softmax(model(batch.to(device)), dim=0).cpu())
            return torch.cat(chunks).numpy()


        def predict(model, dataloader):
            return predict_proba(model, dataloader).argmax(axis=1)
    """, PREDICT_TESTS),
    Variant(NB, PREDICT, "left_in_train_mode", False, """
        def predict_proba(model, dataloader):
            model = model.to(device)
            chunks = []
            with torch.no_grad():
                for batch in dataloader:
                    chunks.append(F.softmax(model(batch.to(device)), dim=1).cpu())
            return torch.cat(chunks).numpy()


        def predict(model, dataloader):
            return predict_proba(model, dataloader).argmax(axis=1)
    """, PREDICT_TESTS),
    Variant(NB, PREDICT, "last_batch_only", False, """
        def predict_proba(model, dataloader):
            model = model.to(device)
            model.eval()
            with torch.no_grad():
                for batch in dataloader:
                    probs = F.softmax(model(batch.to(device)), dim=1)
            return probs.cpu().numpy()


        def predict(model, dataloader):
            return predict_proba(model, dataloader).argmax(axis=1)
    """, PREDICT_TESTS),
    Variant(NB, PREDICT, "gradients_recorded_then_detached", False, """
        def predict_proba(model, dataloader):
            model = model.to(device)
            model.eval()
            chunks = []
            for batch in dataloader:
                chunks.append(F.softmax(model(batch.to(device)), dim=1).detach().cpu())
            return torch.cat(chunks).numpy()


        def predict(model, dataloader):
            return predict_proba(model, dataloader).argmax(axis=1)
    """, PREDICT_TESTS),
    Variant(NB, PREDICT, "returns_top_probability", False, """
        def predict(model, dataloader):
            return predict_proba(model, dataloader).max(axis=1)
    """, PREDICT_TESTS),
    Variant(NB, PREDICT, "returns_torch_tensor", False, """
        def predict(model, dataloader):
            return torch.from_numpy(predict_proba(model, dataloader)).argmax(dim=1)
    """, PREDICT_TESTS),
    Variant(NB, PREDICT, "eval_not_called_dropout_on", False, """
        def predict_proba(model, dataloader):
            model.to(device)
            out = []
            with torch.no_grad():
                for batch in dataloader:
                    out.append(torch.softmax(model(batch.to(device)), 1).cpu().numpy())
            return np.vstack(out)


        def predict(model, dataloader):
            return predict_proba(model, dataloader).argmax(1)
    """, PREDICT_TESTS),
    Variant(NB, PREDICT, "softmax_then_log_in_proba", False, """
        def predict_proba(model, dataloader):
            model = model.to(device)
            model.eval()
            chunks = []
            with torch.no_grad():
                for batch in dataloader:
                    chunks.append(F.log_softmax(model(batch.to(device)), dim=1).cpu())
            return torch.cat(chunks).numpy()
    """, PREDICT_TESTS),
]
