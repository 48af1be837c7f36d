"""Edges: the insole's hardware, radios and storage, each taking its bus, pins or
library module as a constructor argument (tests pass models, boards real objects).

  hardware    builds every edge from a board definition; the only module that imports machine
  board       board definition loading and validation (data in boards/*.py)
  drivers/    LSM6DSO FIFO reader over the micropython-lib lsm6dsox driver
  zones       pressure zones on ADC channels, zone health
  battery     battery voltage and percentage
  haptics     plays core/patterns.py on the motor's PWM
  outbox      the flash journal of events (never lost across resets)
  store       configuration file (validated)
  lora_radio  LoRa adapter over micropython-lib lora (SX1262)
  ble_radio   BLE adapter over aioble
  pair_link   the left-right pair link over aioble (central / peripheral, back-off)
  link        delivery + radio adapters as the app's radio port, key and window files
  gateway     the gateway role (an insole-class board that bridges LoRa to the console)
  selftest    start-up test of every alarm path
  power       idle policy and the battery budget
  recorder    explicit local recording mode (raw frames to a stream, never sent)
"""
