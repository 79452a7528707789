"""Events and webhooks for integrators (推送): the feed, subscriptions, signed deliveries."""
