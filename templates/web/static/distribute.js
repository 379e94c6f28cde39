// 发放、名单核对页：发送进行中时轮询每位收件人的发送状态，逐行更新表格。
"use strict";

function pollRecipients(table) {
  const cells = table.querySelectorAll("td.send-status");
  const tick = async () => {
    try {
      const data = await (await fetch(table.dataset.status)).json();
      data.rows.forEach((text, index) => { if (cells[index]) cells[index].textContent = text; });
    } catch (error) {
      // 服务暂时无法连接：下次再试
    }
    setTimeout(tick, 1000);
  };
  tick();
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("table[data-live=true]").forEach(pollRecipients);
});
