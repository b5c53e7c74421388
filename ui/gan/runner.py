"""The GAN page's runner: the shared Runner, plus one network's update alone (step the
discriminator only, or the generator only) and a slow motion that plays a round update by
update, each update a frame of its own."""

import numpy as np

from engine import DIVERGED, STOPPED, GanTrainer
from ui.live.runner import QUIET, Runner

SLOW_MOTION_RATE = 2.0  # updates per second in slow motion


class GanRunner(Runner):
    """A Runner of a GanTrainer (or DigitsGanTrainer). `last` names what the last command
    moved ("discriminator", "generator", "round", or "" before any); in slow motion
    (`slow_motion = True`) the thread and Step round advance one update at a time, and `phase`
    is the update just made: (network, k, of) or None between rounds."""

    def __init__(self, config, data=None, build=GanTrainer):
        super().__init__(config, data, build)
        self.slow_motion = False
        self.phase: tuple[str, int, int] | None = None
        self.last = ""
        self._sub = None  # the open round of slow motion: (trainer, its substeps iterator)
        self._speed: float | None = None

    # Slow motion replaces the speed: SLOW_MOTION_RATE updates per second.
    @property
    def speed(self) -> float | None:
        return SLOW_MOTION_RATE if self.slow_motion else self._speed

    @speed.setter
    def speed(self, value: float | None) -> None:
        self._speed = value

    def _units_per_epoch(self) -> int:
        return 1 if self.slow_motion else super()._units_per_epoch()

    # --- one network alone -------------------------------------------------------------------
    def step_discriminator(self) -> None:
        """One discriminator update; the generator, its points and the counters stay."""
        with self.lock:
            self.finish_round()
            self.trainer.step_discriminator()
            self.last, self.phase = "discriminator", None

    def step_generator(self) -> None:
        """One generator update; the discriminator and the counters stay."""
        with self.lock:
            self.finish_round()
            self.trainer.step_generator()
            self.last, self.phase = "generator", None

    # --- rounds, whole or update by update -----------------------------------------------------
    def step_batch(self) -> None:
        """One round; in slow motion, one update of it."""
        with self.lock, np.errstate(**QUIET):
            if self.slow_motion:
                self._substep()
            else:
                self.finish_round()
                self.trainer.step()
                self.last, self.phase = "round", None

    def step_epoch(self) -> None:
        with self.lock:
            self.finish_round()
            super().step_epoch()
            self.last = "round"

    def finish_round(self) -> None:
        """Finish a round slow motion left half-way (its remaining updates run at once)."""
        with self.lock:
            sub, self._sub = self._sub, None
            if sub is not None:
                sub[1].close()
            self.phase = None

    def set_slow_motion(self, on: bool) -> None:
        with self.lock:
            if not on:
                self.finish_round()
            self.slow_motion = bool(on)

    def _substep(self) -> bool:
        """One update of the open round (a new round when none is open); returns False when
        the epoch budget is spent."""
        t = self.trainer
        if self._sub is not None and self._sub[0] is not t:
            self._sub = None  # the trainer was rebuilt under it
        for _ in range(2):
            if self._sub is None:
                self._sub = (t, t.substeps())
            who, k = next(self._sub[1], (None, 0))
            if who is not None:
                of = getattr(t.config, "d_updates" if who == "discriminator" else "g_updates")
                self.phase, self.last = (who, k + 1, of), who
                return True
            self._sub = None  # the round is over: start the next one
        self.phase = None
        return False

    def _advance(self, n: int) -> tuple[int, bool]:
        if not self.slow_motion:
            with self.lock:
                self.finish_round()
                self.last = "round"
            return super()._advance(n)
        with self.lock, np.errstate(**QUIET):
            done = 0
            for _ in range(n):
                if not self._substep():
                    return done, True
                done += 1
                if self.trainer.status in (STOPPED, DIVERGED):
                    return done, True
            return done, False

    def reset(self, config=None, data=None, keep_data: bool = True) -> None:
        with self.lock:
            self._sub, self.phase, self.last = None, None, ""
            super().reset(config, data, keep_data)

    def apply(self, config) -> bool:
        with self.lock:
            rebuilt = super().apply(config)
            if rebuilt:
                self._sub, self.phase, self.last = None, None, ""
            return rebuilt
