"""`/v1/outbound`: dialer outcomes, lead lists, callbacks and campaign targets."""
