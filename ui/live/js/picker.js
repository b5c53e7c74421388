// Pictures to choose from (the datasets, say): a grid of images with captions; clicking one
// reports its name as the trigger value "pick", and the chosen one is outlined.
export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  let grid = parentElement.querySelector(".nnp-picker");
  if (!grid) {
    grid = document.createElement("div");
    grid.className = "nnp-picker";
    parentElement.appendChild(grid);
  }
  grid.style.gridTemplateColumns = `repeat(${data.columns}, 1fr)`;
  const signature = JSON.stringify(data.items.map((it) => [it.name, it.src.length]));
  if (grid.dataset.signature !== signature) {  // new pictures: build the buttons again
    grid.dataset.signature = signature;
    grid.replaceChildren(...data.items.map((it) => {
      const b = document.createElement("button");
      b.type = "button";
      b.dataset.name = it.name;
      b.title = it.help || it.label;
      const img = document.createElement("img");
      img.src = it.src;
      img.alt = it.label;
      const cap = document.createElement("span");
      cap.textContent = it.label;
      b.append(img, cap);
      b.onclick = () => setTriggerValue("pick", it.name);
      return b;
    }));
  }
  for (const b of grid.children) {
    b.classList.toggle("chosen", b.dataset.name === data.selected);
    b.setAttribute("aria-pressed", String(b.dataset.name === data.selected));
  }
}
