"""The baselines feature: show and set a channel's baseline (`baseline`, `set`, the sample team); the code is in
`baselines.feature`."""
