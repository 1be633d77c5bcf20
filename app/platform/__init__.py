"""What every bounded context shares: settings, engines, units of work, the outbox."""
