"""Buggy and correct versions of the graded code of ``cnn_digits.ipynb``."""

from tests.variants.variant import Variant

NB = "cnn_digits"
DIGITS = "digits_solution"
CNN = "cnn_solution"
TRAIN = "train_solution"
EVAL = "evaluate_solution"

DIGITS_TESTS = ("test_digits_item", "test_digits_loader")
CNN_TESTS = ("test_cnn_layers", "test_cnn_forward")
TRAIN_TESTS = ("test_train_loop", "test_train_learns", "test_gpu")
EVAL_TESTS = ("test_evaluate", "test_gpu")

VARIANTS = [
    # ------------------------------------------------------------------ Digits: correct
    Variant(NB, DIGITS, "from_numpy_view", True, """
        class Digits(Dataset):
            def __init__(self, X, y):
                self.X, self.y = X, y

            def __len__(self):
                return self.X.shape[0]

            def __getitem__(self, index):
                image = torch.from_numpy(self.X[index]).float().view(1, 8, 8)
                return image, torch.tensor(int(self.y[index])).long()
    """, DIGITS_TESTS),
    Variant(NB, DIGITS, "tensors_built_in_init", True, """
        class Digits(Dataset):
            def __init__(self, X, y):
                self.images = torch.tensor(np.asarray(X), dtype=torch.float32).reshape(-1, 1, 8, 8)
                self.labels = torch.as_tensor(np.asarray(y)).long()

            def __len__(self):
                return len(self.labels)

            def __getitem__(self, index):
                return self.images[index], self.labels[index]
    """, DIGITS_TESTS),
    Variant(NB, DIGITS, "as_tensor_unsqueeze", True, """
        class Digits(Dataset):
            def __init__(self, X, y):
                self.X = X
                self.y = y

            def __len__(self):
                return len(self.y)

            def __getitem__(self, index):
                image = torch.as_tensor(self.X[index].reshape(8, 8), dtype=torch.float).unsqueeze(0)
                label = torch.as_tensor(self.y[index], dtype=torch.long)
                return image, label
    """, DIGITS_TESTS),
    # ------------------------------------------------------------------ Digits: buggy
    Variant(NB, DIGITS, "channels_last_reshape", False, """
        class Digits(Dataset):
            def __init__(self, X, y):
                self.X, self.y = X, y

            def __len__(self):
                return len(self.X)

            def __getitem__(self, index):
                image = torch.tensor(self.X[index], dtype=torch.float32).reshape(8, 8, 1)
                return image, torch.tensor(self.y[index], dtype=torch.int64)
    """, DIGITS_TESTS),
    Variant(NB, DIGITS, "labels_as_float", False, """
        class Digits(Dataset):
            def __init__(self, X, y):
                self.X, self.y = X, y

            def __len__(self):
                return len(self.X)

            def __getitem__(self, index):
                image = torch.tensor(self.X[index], dtype=torch.float32).reshape(1, 8, 8)
                return image, torch.tensor(self.y[index], dtype=torch.float32)
    """, DIGITS_TESTS),
    Variant(NB, DIGITS, "rescaled_to_unit_interval", False, """
        class Digits(Dataset):
            def __init__(self, X, y):
                self.X, self.y = X / 16.0, y

            def __len__(self):
                return len(self.X)

            def __getitem__(self, index):
                image = torch.tensor(self.X[index], dtype=torch.float32).reshape(1, 8, 8)
                return image, torch.tensor(self.y[index], dtype=torch.int64)
    """, DIGITS_TESTS),
    Variant(NB, DIGITS, "length_is_feature_count", False, """
        class Digits(Dataset):
            def __init__(self, X, y):
                self.X, self.y = X, y

            def __len__(self):
                return self.X.shape[1]

            def __getitem__(self, index):
                image = torch.tensor(self.X[index], dtype=torch.float32).reshape(1, 8, 8)
                return image, torch.tensor(self.y[index], dtype=torch.int64)
    """, DIGITS_TESTS),
    Variant(NB, DIGITS, "hard_coded_length_500", False, """
        class Digits(Dataset):
            def __init__(self, X, y):
                self.X, self.y = X, y

            def __len__(self):
                return 500

            def __getitem__(self, index):
                image = torch.tensor(self.X[index], dtype=torch.float32).reshape(1, 8, 8)
                return image, torch.tensor(self.y[index], dtype=torch.int64)
    """, DIGITS_TESTS),
    Variant(NB, DIGITS, "transposed_image", False, """
        class Digits(Dataset):
            def __init__(self, X, y):
                self.X, self.y = X, y

            def __len__(self):
                return len(self.X)

            def __getitem__(self, index):
                image = torch.tensor(self.X[index].reshape(8, 8).T, dtype=torch.float32).unsqueeze(0)
                return image, torch.tensor(self.y[index], dtype=torch.int64)
    """, DIGITS_TESTS),
    Variant(NB, DIGITS, "label_with_one_dimension", False, """
        class Digits(Dataset):
            def __init__(self, X, y):
                self.X, self.y = X, y

            def __len__(self):
                return len(self.X)

            def __getitem__(self, index):
                image = torch.tensor(self.X[index], dtype=torch.float32).reshape(1, 8, 8)
                return image, torch.tensor([self.y[index]], dtype=torch.int64)
    """, DIGITS_TESTS),
    # ------------------------------------------------------------------ MySimpleCNN: correct
    Variant(NB, CNN, "nn_sequential", True, """
        class MySimpleCNN(nn.Module):
            def __init__(self):
                super().__init__()
                self.conv1 = nn.Conv2d(1, 16, 3, padding=1)
                self.conv2 = nn.Conv2d(16, 32, 3, padding=1)
                self.pool = nn.MaxPool2d(2)
                self.fc = nn.Linear(512, 10)
                self.layers = nn.Sequential(self.conv1, nn.ReLU(), self.conv2, nn.ReLU(), self.pool,
                                            nn.Flatten(), self.fc)

            def forward(self, x):
                return self.layers(x)
    """, CNN_TESTS),
    Variant(NB, CNN, "functional_relu_view", True, """
        class MySimpleCNN(nn.Module):
            def __init__(self):
                super(MySimpleCNN, self).__init__()
                self.conv1 = nn.Conv2d(in_channels=1, out_channels=16, kernel_size=(3, 3), padding=(1, 1))
                self.conv2 = nn.Conv2d(in_channels=16, out_channels=32, kernel_size=(3, 3), padding=(1, 1))
                self.pool = nn.MaxPool2d(kernel_size=(2, 2))
                self.fc = nn.Linear(32 * 4 * 4, 10)

            def forward(self, x):
                x = F.relu(self.conv1(x))
                x = self.pool(F.relu(self.conv2(x)))
                x = x.view(x.size(0), -1)
                return self.fc(x)
    """, CNN_TESTS),
    Variant(NB, CNN, "relu_modules_same_padding", True, """
        class MySimpleCNN(nn.Module):
            def __init__(self):
                super().__init__()
                self.conv1 = nn.Conv2d(1, 16, kernel_size=3, padding="same")
                self.relu1 = nn.ReLU()
                self.conv2 = nn.Conv2d(16, 32, kernel_size=3, padding="same")
                self.relu2 = nn.ReLU()
                self.pool = nn.MaxPool2d(2, 2)
                self.flatten = nn.Flatten()
                self.fc = nn.Linear(32 * 4 * 4, 10)

            def forward(self, x):
                x = self.pool(self.relu2(self.conv2(self.relu1(self.conv1(x)))))
                return self.fc(self.flatten(x))
    """, CNN_TESTS),
    # ------------------------------------------------------------------ MySimpleCNN: buggy
    Variant(NB, CNN, "flatten_channels_last", False, """
        class MySimpleCNN(nn.Module):
            def __init__(self):
                super().__init__()
                self.conv1 = nn.Conv2d(1, 16, 3, padding=1)
                self.conv2 = nn.Conv2d(16, 32, 3, padding=1)
                self.pool = nn.MaxPool2d(2)
                self.fc = nn.Linear(512, 10)

            def forward(self, x):
                x = self.pool(torch.relu(self.conv2(torch.relu(self.conv1(x)))))
                x = x.permute(0, 2, 3, 1).reshape(x.shape[0], -1)
                return self.fc(x)
    """, CNN_TESTS),
    Variant(NB, CNN, "flatten_mixes_batch", False, """
        class MySimpleCNN(nn.Module):
            def __init__(self):
                super().__init__()
                self.conv1 = nn.Conv2d(1, 16, 3, padding=1)
                self.conv2 = nn.Conv2d(16, 32, 3, padding=1)
                self.pool = nn.MaxPool2d(2)
                self.fc = nn.Linear(512, 10)

            def forward(self, x):
                x = self.pool(torch.relu(self.conv2(torch.relu(self.conv1(x)))))
                x = x.reshape(32 * 4 * 4, -1).t()
                return self.fc(x)
    """, CNN_TESTS),
    Variant(NB, CNN, "pool_after_each_conv", False, """
        class MySimpleCNN(nn.Module):
            def __init__(self):
                super().__init__()
                self.conv1 = nn.Conv2d(1, 16, 3, padding=1)
                self.conv2 = nn.Conv2d(16, 32, 3, padding=1)
                self.pool = nn.MaxPool2d(2)
                self.fc = nn.Linear(32 * 4 * 4, 10)

            def forward(self, x):
                x = self.pool(torch.relu(self.conv1(x)))
                x = self.pool(torch.relu(self.conv2(x)))
                x = x.view(-1, 32 * 4 * 4)
                return self.fc(x)
    """, CNN_TESTS),
    Variant(NB, CNN, "no_relu_after_conv2", False, """
        class MySimpleCNN(nn.Module):
            def __init__(self):
                super().__init__()
                self.conv1 = nn.Conv2d(1, 16, 3, padding=1)
                self.conv2 = nn.Conv2d(16, 32, 3, padding=1)
                self.pool = nn.MaxPool2d(2)
                self.fc = nn.Linear(512, 10)

            def forward(self, x):
                x = torch.relu(self.conv1(x))
                x = self.pool(self.conv2(x))
                return self.fc(x.flatten(1))
    """, CNN_TESTS),
    Variant(NB, CNN, "kernel5_padding2", False, """
        class MySimpleCNN(nn.Module):
            def __init__(self):
                super().__init__()
                self.conv1 = nn.Conv2d(1, 16, 5, padding=2)
                self.conv2 = nn.Conv2d(16, 32, 5, padding=2)
                self.pool = nn.MaxPool2d(2)
                self.fc = nn.Linear(512, 10)

            def forward(self, x):
                x = self.pool(torch.relu(self.conv2(torch.relu(self.conv1(x)))))
                return self.fc(x.flatten(1))
    """, CNN_TESTS),
    Variant(NB, CNN, "fc_on_16_pixels_per_channel", False, """
        class MySimpleCNN(nn.Module):
            def __init__(self):
                super().__init__()
                self.conv1 = nn.Conv2d(1, 16, 3, padding=1)
                self.conv2 = nn.Conv2d(16, 32, 3, padding=1)
                self.pool = nn.MaxPool2d(2)
                self.fc = nn.Linear(16, 10)

            def forward(self, x):
                x = self.pool(torch.relu(self.conv2(torch.relu(self.conv1(x)))))
                return self.fc(x.view(-1, 16))
    """, CNN_TESTS),
    Variant(NB, CNN, "pool_before_conv2", False, """
        class MySimpleCNN(nn.Module):
            def __init__(self):
                super().__init__()
                self.conv1 = nn.Conv2d(1, 16, 3, padding=1)
                self.conv2 = nn.Conv2d(16, 32, 3, padding=1)
                self.pool = nn.MaxPool2d(2)
                self.fc = nn.Linear(512, 10)

            def forward(self, x):
                x = self.pool(torch.relu(self.conv1(x)))
                x = torch.relu(self.conv2(x))
                return self.fc(x.flatten(1))
    """, CNN_TESTS),
    # ------------------------------------------------------------------ train_cnn: correct
    Variant(NB, TRAIN, "sgd_momentum", True, """
        def train_cnn(net, trainloader, epochs, lr, device):
            net = net.to(device)
            criterion = nn.CrossEntropyLoss()
            optimizer = torch.optim.SGD(net.parameters(), lr=lr, momentum=0.9)
            history = []
            for _ in range(epochs):
                net.train()
                total, batches = 0.0, 0
                for x, y in trainloader:
                    x, y = x.to(device), y.to(device)
                    optimizer.zero_grad()
                    loss = criterion(net(x), y)
                    loss.backward()
                    optimizer.step()
                    total += loss.item()
                    batches += 1
                history.append(total / batches)
            return history
    """, TRAIN_TESTS),
    Variant(NB, TRAIN, "rmsprop_zero_grad_after_step_weighted_mean", True, """
        def train_cnn(net, trainloader, epochs, lr, device):
            net.to(device)
            net.train()
            optimizer = torch.optim.RMSprop(net.parameters(), lr=lr)
            losses = []
            for epoch in range(epochs):
                running, seen = 0.0, 0
                for images, labels in trainloader:
                    images = images.to(device)
                    labels = labels.to(device)
                    loss = F.cross_entropy(net(images), labels)
                    loss.backward()
                    optimizer.step()
                    optimizer.zero_grad()
                    running += loss.item() * len(labels)
                    seen += len(labels)
                losses.append(running / seen)
            return losses
    """, TRAIN_TESTS),
    Variant(NB, TRAIN, "adamw_net_zero_grad", True, """
        def train_cnn(net, trainloader, epochs, lr, device):
            net.to(device)
            loss_fn = nn.CrossEntropyLoss()
            opt = torch.optim.AdamW(net.parameters(), lr=lr)
            out = []
            for epoch in range(epochs):
                net.train()
                epoch_losses = []
                for batch_idx, (images, labels) in enumerate(trainloader):
                    images, labels = images.to(device), labels.to(device)
                    net.zero_grad()
                    logits = net(images)
                    loss = loss_fn(logits, labels)
                    loss.backward()
                    opt.step()
                    epoch_losses.append(loss.detach().cpu().item())
                out.append(sum(epoch_losses) / len(epoch_losses))
            return out
    """, TRAIN_TESTS),
    Variant(NB, TRAIN, "measures_train_accuracy_in_eval_mode", True, """
        def train_cnn(net, trainloader, epochs, lr, device):
            net.to(device)
            criterion = nn.CrossEntropyLoss()
            optimizer = torch.optim.Adam(net.parameters(), lr=lr)
            history = []
            for epoch in range(epochs):
                net.train()
                losses = []
                for images, labels in trainloader:
                    images, labels = images.to(device), labels.to(device)
                    optimizer.zero_grad()
                    loss = criterion(net(images), labels)
                    loss.backward()
                    optimizer.step()
                    losses.append(loss.item())
                history.append(sum(losses) / len(losses))
                # a common habit: the training accuracy of the epoch, in eval mode without gradients
                net.eval()
                correct = total = 0
                with torch.no_grad():
                    for images, labels in trainloader:
                        images, labels = images.to(device), labels.to(device)
                        correct += (net(images).argmax(1) == labels).sum().item()
                        total += len(labels)
                print(f"epoch {epoch + 1}: loss {history[-1]:.4f}, training accuracy {correct / total:.3f}")
            return history
    """, TRAIN_TESTS),
    Variant(NB, TRAIN, "set_to_none_and_tensor_sum", True, """
        def train_cnn(net, trainloader, epochs, lr, device):
            model = net.to(device)
            optimiser = torch.optim.Adam(model.parameters(), lr)
            result = []
            for e in range(epochs):
                model.train()
                total = torch.zeros((), device=device)
                for n, (xb, yb) in enumerate(trainloader, start=1):
                    xb = xb.to(device)
                    yb = yb.to(device)
                    loss = F.cross_entropy(model(xb), yb)
                    optimiser.zero_grad(set_to_none=True)
                    loss.backward()
                    optimiser.step()
                    total += loss.detach()
                result.append((total / n).item())
            return result
    """, TRAIN_TESTS),
    # ------------------------------------------------------------------ train_cnn: buggy
    Variant(NB, TRAIN, "eval_accuracy_never_switches_back", False, """
        def train_cnn(net, trainloader, epochs, lr, device):
            net.to(device)
            net.train()
            criterion = nn.CrossEntropyLoss()
            optimizer = torch.optim.Adam(net.parameters(), lr=lr)
            history = []
            for epoch in range(epochs):
                losses = []
                for images, labels in trainloader:
                    images, labels = images.to(device), labels.to(device)
                    optimizer.zero_grad()
                    loss = criterion(net(images), labels)
                    loss.backward()
                    optimizer.step()
                    losses.append(loss.item())
                history.append(sum(losses) / len(losses))
                net.eval()                      # the next epoch trains in eval mode
                with torch.no_grad():
                    accuracy = np.mean([(net(x.to(device)).argmax(1) == y.to(device)).float().mean().item()
                                        for x, y in trainloader])
            return history
    """, TRAIN_TESTS),
    Variant(NB, TRAIN, "zero_grad_missing", False, """
        def train_cnn(net, trainloader, epochs, lr, device):
            net.to(device)
            loss_fn = nn.CrossEntropyLoss()
            optimizer = torch.optim.Adam(net.parameters(), lr=lr)
            epoch_losses = []
            for epoch in range(epochs):
                net.train()
                batch_losses = []
                for images, labels in trainloader:
                    images, labels = images.to(device), labels.to(device)
                    loss = loss_fn(net(images), labels)
                    loss.backward()
                    optimizer.step()
                    batch_losses.append(loss.item())
                epoch_losses.append(float(np.mean(batch_losses)))
            return epoch_losses
    """, TRAIN_TESTS),
    Variant(NB, TRAIN, "zero_grad_once_per_epoch", False, """
        def train_cnn(net, trainloader, epochs, lr, device):
            net.to(device)
            loss_fn = nn.CrossEntropyLoss()
            optimizer = torch.optim.Adam(net.parameters(), lr=lr)
            epoch_losses = []
            for epoch in range(epochs):
                net.train()
                optimizer.zero_grad()
                batch_losses = []
                for images, labels in trainloader:
                    images, labels = images.to(device), labels.to(device)
                    loss = loss_fn(net(images), labels)
                    loss.backward()
                    optimizer.step()
                    batch_losses.append(loss.item())
                epoch_losses.append(float(np.mean(batch_losses)))
            return epoch_losses
    """, TRAIN_TESTS),
    Variant(NB, TRAIN, "last_batch_loss_per_epoch", False, """
        def train_cnn(net, trainloader, epochs, lr, device):
            net.to(device)
            loss_fn = nn.CrossEntropyLoss()
            optimizer = torch.optim.Adam(net.parameters(), lr=lr)
            epoch_losses = []
            for epoch in range(epochs):
                net.train()
                for images, labels in trainloader:
                    images, labels = images.to(device), labels.to(device)
                    optimizer.zero_grad()
                    loss = loss_fn(net(images), labels)
                    loss.backward()
                    optimizer.step()
                epoch_losses.append(loss.item())
            return epoch_losses
    """, TRAIN_TESTS),
    Variant(NB, TRAIN, "labels_as_float", False, """
        def train_cnn(net, trainloader, epochs, lr, device):
            net.to(device)
            loss_fn = nn.CrossEntropyLoss()
            optimizer = torch.optim.Adam(net.parameters(), lr=lr)
            epoch_losses = []
            for epoch in range(epochs):
                net.train()
                batch_losses = []
                for images, labels in trainloader:
                    images, labels = images.to(device), labels.to(device).float()
                    optimizer.zero_grad()
                    loss = loss_fn(net(images), labels)
                    loss.backward()
                    optimizer.step()
                    batch_losses.append(loss.item())
                epoch_losses.append(float(np.mean(batch_losses)))
            return epoch_losses
    """, TRAIN_TESTS),
    Variant(NB, TRAIN, "never_switches_to_train_mode", False, """
        def train_cnn(net, trainloader, epochs, lr, device):
            net.to(device)
            loss_fn = nn.CrossEntropyLoss()
            optimizer = torch.optim.Adam(net.parameters(), lr=lr)
            epoch_losses = []
            for epoch in range(epochs):
                batch_losses = []
                for images, labels in trainloader:
                    images, labels = images.to(device), labels.to(device)
                    optimizer.zero_grad()
                    loss = loss_fn(net(images), labels)
                    loss.backward()
                    optimizer.step()
                    batch_losses.append(loss.item())
                epoch_losses.append(float(np.mean(batch_losses)))
            return epoch_losses
    """, TRAIN_TESTS),
    Variant(NB, TRAIN, "summed_instead_of_mean", False, """
        def train_cnn(net, trainloader, epochs, lr, device):
            net.to(device)
            loss_fn = nn.CrossEntropyLoss()
            optimizer = torch.optim.Adam(net.parameters(), lr=lr)
            epoch_losses = []
            for epoch in range(epochs):
                net.train()
                total = 0.0
                for images, labels in trainloader:
                    images, labels = images.to(device), labels.to(device)
                    optimizer.zero_grad()
                    loss = loss_fn(net(images), labels)
                    loss.backward()
                    optimizer.step()
                    total += loss.item()
                epoch_losses.append(total)
            return epoch_losses
    """, TRAIN_TESTS),
    Variant(NB, TRAIN, "ignores_lr_argument", False, """
        def train_cnn(net, trainloader, epochs, lr, device):
            net.to(device)
            loss_fn = nn.CrossEntropyLoss()
            optimizer = torch.optim.Adam(net.parameters())
            epoch_losses = []
            for epoch in range(epochs):
                net.train()
                batch_losses = []
                for images, labels in trainloader:
                    images, labels = images.to(device), labels.to(device)
                    optimizer.zero_grad()
                    loss = loss_fn(net(images), labels)
                    loss.backward()
                    optimizer.step()
                    batch_losses.append(loss.item())
                epoch_losses.append(float(np.mean(batch_losses)))
            return epoch_losses
    """, TRAIN_TESTS),
    Variant(NB, TRAIN, "ignores_device_hard_codes_cuda", False, """
        def train_cnn(net, trainloader, epochs, lr, device):
            if torch.cuda.is_available():
                net = net.to("cuda")
            loss_fn = nn.CrossEntropyLoss()
            optimizer = torch.optim.Adam(net.parameters(), lr=lr)
            epoch_losses = []
            for epoch in range(epochs):
                net.train()
                batch_losses = []
                for images, labels in trainloader:
                    if torch.cuda.is_available():
                        images, labels = images.to("cuda"), labels.to("cuda")
                    optimizer.zero_grad()
                    loss = loss_fn(net(images), labels)
                    loss.backward()
                    optimizer.step()
                    batch_losses.append(loss.item())
                epoch_losses.append(float(np.mean(batch_losses)))
            return epoch_losses
    """, TRAIN_TESTS),
    Variant(NB, TRAIN, "losses_kept_as_tensors", False, """
        def train_cnn(net, trainloader, epochs, lr, device):
            net.to(device)
            loss_fn = nn.CrossEntropyLoss()
            optimizer = torch.optim.Adam(net.parameters(), lr=lr)
            epoch_losses = []
            for epoch in range(epochs):
                net.train()
                total, n = 0, 0
                for images, labels in trainloader:
                    images, labels = images.to(device), labels.to(device)
                    optimizer.zero_grad()
                    loss = loss_fn(net(images), labels)
                    loss.backward()
                    optimizer.step()
                    total += loss.detach()
                    n += 1
                epoch_losses.append(total / n)
            return epoch_losses
    """, TRAIN_TESTS),
    # ------------------------------------------------------------------ evaluate: correct
    Variant(NB, EVAL, "concatenate_predictions_inference_mode", True, """
        def evaluate(net, testloader, device):
            net = net.to(device)
            net.eval()
            predictions, targets = [], []
            with torch.inference_mode():
                for x, y in testloader:
                    predictions.append(net(x.to(device)).argmax(1).cpu())
                    targets.append(y)
            return float((torch.cat(predictions) == torch.cat(targets)).float().mean())
    """, EVAL_TESTS),
    Variant(NB, EVAL, "weighted_batch_accuracies", True, """
        def evaluate(net, testloader, device):
            net.to(device)
            net.eval()
            weighted, count = 0.0, 0
            with torch.no_grad():
                for images, labels in testloader:
                    images, labels = images.to(device), labels.to(device)
                    _, predicted = torch.max(net(images), 1)
                    batch_accuracy = (predicted == labels).float().mean().item()
                    weighted += batch_accuracy * labels.size(0)
                    count += labels.size(0)
            return weighted / count
    """, EVAL_TESTS),
    Variant(NB, EVAL, "numpy_counting", True, """
        def evaluate(net, testloader, device):
            net.to(device).eval()
            hits = total = 0
            with torch.set_grad_enabled(False):
                for images, labels in testloader:
                    logits = net(images.to(device)).cpu().numpy()
                    hits += int(np.sum(np.argmax(logits, axis=1) == labels.numpy()))
                    total += len(labels)
            return hits / total
    """, EVAL_TESTS),
    Variant(NB, EVAL, "divides_by_dataset_length", True, """
        def evaluate(net, testloader, device):
            net = net.to(device)
            net.eval()
            correct = 0
            with torch.no_grad():
                for images, labels in testloader:
                    outputs = net(images.to(device))
                    correct += (outputs.argmax(dim=1).cpu() == labels).sum().item()
            return correct / len(testloader.dataset)
    """, EVAL_TESTS),
    # ------------------------------------------------------------------ evaluate: buggy
    Variant(NB, EVAL, "hard_codes_cuda_when_available", False, """
        def evaluate(net, testloader, device):
            dev = torch.device("cuda" if torch.cuda.is_available() else "cpu")   # ignores the argument
            net.to(dev)
            net.eval()
            correct, total = 0, 0
            with torch.no_grad():
                for images, labels in testloader:
                    images, labels = images.to(dev), labels.to(dev)
                    correct += (net(images).argmax(dim=1) == labels).sum().item()
                    total += labels.shape[0]
            return correct / total
    """, ("test_gpu",)),
    Variant(NB, EVAL, "evaluates_in_train_mode", False, """
        def evaluate(net, testloader, device):
            net.to(device)
            correct, total = 0, 0
            with torch.no_grad():
                for images, labels in testloader:
                    images, labels = images.to(device), labels.to(device)
                    correct += (net(images).argmax(dim=1) == labels).sum().item()
                    total += labels.shape[0]
            return correct / total
    """, EVAL_TESTS),
    Variant(NB, EVAL, "gradients_left_on", False, """
        def evaluate(net, testloader, device):
            net.to(device)
            net.eval()
            correct, total = 0, 0
            for images, labels in testloader:
                images, labels = images.to(device), labels.to(device)
                correct += (net(images).argmax(dim=1) == labels).sum().item()
                total += labels.shape[0]
            return correct / total
    """, EVAL_TESTS),
    Variant(NB, EVAL, "accuracy_of_last_batch_only", False, """
        def evaluate(net, testloader, device):
            net.to(device)
            net.eval()
            with torch.no_grad():
                for images, labels in testloader:
                    images, labels = images.to(device), labels.to(device)
                    correct = (net(images).argmax(dim=1) == labels).sum().item()
                    total = labels.shape[0]
            return correct / total
    """, EVAL_TESTS),
    Variant(NB, EVAL, "mean_of_batch_accuracies", False, """
        def evaluate(net, testloader, device):
            net.to(device)
            net.eval()
            accuracies = []
            with torch.no_grad():
                for images, labels in testloader:
                    images, labels = images.to(device), labels.to(device)
                    accuracies.append((net(images).argmax(dim=1) == labels).float().mean().item())
            return float(np.mean(accuracies))
    """, EVAL_TESTS),
    Variant(NB, EVAL, "returns_a_tensor", False, """
        def evaluate(net, testloader, device):
            net.to(device)
            net.eval()
            correct, total = 0, 0
            with torch.no_grad():
                for images, labels in testloader:
                    images, labels = images.to(device), labels.to(device)
                    correct += (net(images).argmax(dim=1) == labels).sum()
                    total += labels.shape[0]
            return correct / total
    """, EVAL_TESTS),
    Variant(NB, EVAL, "percentage", False, """
        def evaluate(net, testloader, device):
            net.to(device)
            net.eval()
            correct, total = 0, 0
            with torch.no_grad():
                for images, labels in testloader:
                    images, labels = images.to(device), labels.to(device)
                    correct += (net(images).argmax(dim=1) == labels).sum().item()
                    total += labels.shape[0]
            return 100.0 * correct / total
    """, EVAL_TESTS),
]
