"""One step of a run, a module per stage: the step object (:mod:`~agent.step.context`),
locating (:mod:`~agent.step.locate`), acting (:mod:`~agent.step.act`), reading
(:mod:`~agent.step.reads`), goals (:mod:`~agent.step.goals`), the verbs
(:mod:`~agent.step.verbs`, one registry entry each) and a step's execution with its tries
(:mod:`~agent.step.execute`)."""
