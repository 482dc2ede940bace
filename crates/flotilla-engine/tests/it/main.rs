mod notifier;
